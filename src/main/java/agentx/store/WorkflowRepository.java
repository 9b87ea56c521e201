package agentx.store;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Times;
import agentx.events.Events;
import agentx.protocol.SaveWorkflow;
import agentx.protocol.WorkflowVersion;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** A session's ComfyUI workflow (API format), one row per version; the highest version is current. */
public final class WorkflowRepository {
  private final Database db;

  public WorkflowRepository(Database db) {
    this.db = db;
  }

  /**
   * Saves a new version (the raw JSON text is kept as given, so numbers beyond a long survive).
   * Versions are numbered under the session row lock: concurrent saves get 1, 2, 3… with no gap.
   * The new version is saved only if the current one is still {@code baseVersion} (0: none yet), so an
   * edit made on a version someone else replaced in the meantime fails with WORKFLOW_CONFLICT
   * instead of silently dropping their change. {@code baseVersion} null saves unconditionally.
   */
  public Future<WorkflowVersion> save(String sessionId, String workflowJson, String description, Long baseVersion) {
    return db.writeJdbc(jdbc -> save(jdbc, sessionId, workflowJson, description, baseVersion));
  }

  /** A saved version and the {@code workflow} event that announced it, stored in the same transaction. */
  public record Saved(WorkflowVersion version, JsonObject event) {}

  /** Saves the version and appends its {@code workflow} event in one transaction; the caller publishes the event. */
  public Future<Saved> saveAndAnnounce(SaveWorkflow save) {
    return db.writeJdbc(jdbc -> {
      WorkflowVersion saved = save(jdbc, save.sessionId(), save.workflowJson(), save.description(), save.baseVersion());
      List<JsonObject> events = EventRepository.appendNumbered(db, jdbc,
          List.of(Events.draft(Events.WORKFLOW, save.sessionId(), save.turnId(), save.eventData(saved))));
      return new Saved(saved, events.get(0));
    });
  }

  private WorkflowVersion save(Connection jdbc, String sessionId, String workflowJson, String description, Long baseVersion)
      throws SQLException {
    String now = Times.now();
    db.lockSession(jdbc, sessionId);
    Long last = Jdbc.first(jdbc, Sql.LAST_WORKFLOW_VERSION, row -> row.getLong("v"), sessionId);
    long latest = last == null ? 0 : last;
    if (baseVersion != null && baseVersion != latest) {
      throw new AgentXException(ErrorCode.WORKFLOW_CONFLICT, "The workflow changed while this edit was "
          + "being made: it is now version " + latest + ", the edit was based on version " + baseVersion + ".");
    }
    long version = latest + 1;
    Jdbc.update(jdbc, Sql.INSERT_WORKFLOW, sessionId, version, workflowJson, description, now);
    return new WorkflowVersion(version, new JsonObject(workflowJson), description, now);
  }

  /** The current version, or null. */
  public Future<WorkflowVersion> current(String sessionId) {
    return db.readJdbc(jdbc -> Jdbc.first(jdbc, Sql.CURRENT_WORKFLOW, WorkflowRepository::version, sessionId));
  }

  public Future<WorkflowVersion> version(String sessionId, long version) {
    return db.readJdbc(jdbc -> Jdbc.first(jdbc, Sql.WORKFLOW_VERSION, WorkflowRepository::version, sessionId, version));
  }

  /** Newest first, without the workflows. */
  public Future<List<WorkflowVersion>> versions(String sessionId) {
    return db.readJdbc(jdbc -> Jdbc.list(jdbc, Sql.WORKFLOW_VERSIONS,
        row -> new WorkflowVersion(row.getLong("version"), null, row.getString("description"), row.getString("created_at")), sessionId));
  }

  private static WorkflowVersion version(ResultSet row) throws SQLException {
    return new WorkflowVersion(row.getLong("version"), new JsonObject(row.getString("workflow")), row.getString("description"),
        row.getString("created_at"));
  }
}
