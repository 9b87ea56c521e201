package agentx.store;

import static agentx.store.Rows.first;
import static agentx.store.Rows.lng;
import static agentx.store.Rows.str;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Times;
import agentx.events.Events;
import agentx.protocol.SaveWorkflow;
import agentx.protocol.WorkflowVersion;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;

/** A session's ComfyUI workflow (API format), one row per version; the highest version is current. */
public final class WorkflowRepository {
  private final Database db;

  public WorkflowRepository(Database db) {
    this.db = db;
  }

  /**
   * Saves a new version (the raw JSON text is kept as given, so numbers beyond a long survive).
   * Versions are numbered under the session row lock: concurrent saves get 1, 2, 3… with no gap.
   */
  /**
   * Saves a new version only if the current one is still {@code baseVersion} (0: none yet), so an
   * edit made on a version someone else replaced in the meantime fails with WORKFLOW_CONFLICT
   * instead of silently dropping their change. {@code baseVersion} null saves unconditionally.
   */
  public Future<WorkflowVersion> save(String sessionId, String workflowJson, String description, Long baseVersion) {
    return db.write(conn -> save(conn, sessionId, workflowJson, description, baseVersion));
  }

  /** A saved version and the {@code workflow} event that announced it, stored in the same transaction. */
  public record Saved(WorkflowVersion version, JsonObject event) {}

  /** Saves the version and appends its {@code workflow} event in one transaction; the caller publishes the event. */
  public Future<Saved> saveAndAnnounce(SaveWorkflow save) {
    return db.write(conn -> save(conn, save.sessionId(), save.workflowJson(), save.description(), save.baseVersion())
        .compose(saved -> EventRepository.appendNumbered(db, conn, save.sessionId(),
                List.of(Events.draft(Events.WORKFLOW, save.sessionId(), save.turnId(), save.eventData(saved))))
            .map(events -> new Saved(saved, events.get(0)))));
  }

  private Future<WorkflowVersion> save(SqlConnection conn, String sessionId, String workflowJson, String description, Long baseVersion) {
    String now = Times.now();
    return db.lockSession(conn, sessionId)
        .compose(count -> conn.preparedQuery(Sql.LAST_WORKFLOW_VERSION).execute(Params.of(sessionId)))
        .compose(rows -> {
          Row row = first(rows);
          long latest = row == null ? 0 : lng(row, "v");
          if (baseVersion != null && baseVersion != latest) {
            return Future.failedFuture(new AgentXException(ErrorCode.WORKFLOW_CONFLICT, "The workflow changed while this edit was "
                + "being made: it is now version " + latest + ", the edit was based on version " + baseVersion + "."));
          }
          long version = latest + 1;
          return conn.preparedQuery(Sql.INSERT_WORKFLOW).execute(Params.of(sessionId, version, workflowJson, description, now))
              .map(done -> new WorkflowVersion(version, new JsonObject(workflowJson), description, now));
        });
  }

  /** The current version, or null. */
  public Future<WorkflowVersion> current(String sessionId) {
    return db.reads().preparedQuery(Sql.CURRENT_WORKFLOW).execute(Params.of(sessionId)).map(rows -> version(first(rows)));
  }

  public Future<WorkflowVersion> version(String sessionId, long version) {
    return db.reads().preparedQuery(Sql.WORKFLOW_VERSION).execute(Params.of(sessionId, version)).map(rows -> version(first(rows)));
  }

  /** Newest first, without the workflows. */
  public Future<List<WorkflowVersion>> versions(String sessionId) {
    return db.reads().preparedQuery(Sql.WORKFLOW_VERSIONS).execute(Params.of(sessionId)).map(rows -> {
      List<WorkflowVersion> out = new ArrayList<>();
      rows.forEach(row -> out.add(new WorkflowVersion(lng(row, "version"), null, str(row, "description"), str(row, "created_at"))));
      return out;
    });
  }

  private static WorkflowVersion version(Row row) {
    if (row == null) {
      return null;
    }
    return new WorkflowVersion(lng(row, "version"), new JsonObject(str(row, "workflow")), str(row, "description"),
        str(row, "created_at"));
  }
}
