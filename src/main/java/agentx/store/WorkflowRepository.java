package agentx.store;

import static agentx.store.Rows.first;
import static agentx.store.Rows.lng;
import static agentx.store.Rows.str;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;

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
  public Future<JsonObject> save(String sessionId, String workflowJson, String description) {
    return save(sessionId, workflowJson, description, null);
  }

  /**
   * Saves a new version only if the current one is still {@code baseVersion} (0: none yet), so an
   * edit made on a version someone else replaced in the meantime fails with WORKFLOW_CONFLICT
   * instead of silently dropping their change. {@code baseVersion} null saves unconditionally.
   */
  public Future<JsonObject> save(String sessionId, String workflowJson, String description, Long baseVersion) {
    String now = Times.now();
    return db.write(conn -> db.lockSession(conn, sessionId)
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
              .map(done -> new JsonObject()
                  .put("version", version)
                  .put("workflow", new JsonObject(workflowJson))
                  .put("description", description)
                  .put("updated_at", now));
        }));
  }

  /** The current version, or null. */
  public Future<JsonObject> current(String sessionId) {
    return db.reads().preparedQuery(Sql.CURRENT_WORKFLOW).execute(Params.of(sessionId)).map(rows -> toJson(first(rows)));
  }

  public Future<JsonObject> version(String sessionId, long version) {
    return db.reads().preparedQuery(Sql.WORKFLOW_VERSION).execute(Params.of(sessionId, version)).map(rows -> toJson(first(rows)));
  }

  public Future<JsonArray> versions(String sessionId) {
    return db.reads().preparedQuery(Sql.WORKFLOW_VERSIONS).execute(Params.of(sessionId)).map(rows -> {
      JsonArray out = new JsonArray();
      rows.forEach(row -> out.add(new JsonObject()
          .put("version", lng(row, "version"))
          .put("description", str(row, "description"))
          .put("updated_at", str(row, "created_at"))));
      return out;
    });
  }

  private static JsonObject toJson(Row row) {
    if (row == null) {
      return null;
    }
    return new JsonObject()
        .put("version", lng(row, "version"))
        .put("workflow", new JsonObject(str(row, "workflow")))
        .put("description", str(row, "description"))
        .put("updated_at", str(row, "created_at"));
  }
}
