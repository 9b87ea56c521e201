package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Saves a new version of a session's workflow. The workflow travels as its JSON text so numbers
 * beyond a long survive unchanged.
 *
 * @param baseVersion save only if the current version is still this one (0: none yet), else
 *     WORKFLOW_CONFLICT; null saves unconditionally
 */
public record SaveWorkflow(String sessionId, String workflowJson, String description, Long baseVersion) {
  public SaveWorkflow(String sessionId, JsonObject workflow, String description, Long baseVersion) {
    this(sessionId, workflow.encode(), description, baseVersion);
  }

  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("workflow_json", workflowJson).put("description", description)
        .put("base_version", baseVersion);
  }

  public static SaveWorkflow fromJson(JsonObject json) {
    return new SaveWorkflow(json.getString("session_id"), json.getString("workflow_json"), json.getString("description"),
        json.getLong("base_version"));
  }
}
