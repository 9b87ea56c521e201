package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** Asks for a session's current workflow ({@code version} null) or one version of it. */
public record WorkflowQuery(String sessionId, Long version) {
  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("version", version);
  }

  public static WorkflowQuery fromJson(JsonObject json) {
    return new WorkflowQuery(json.getString("session_id"), json.getLong("version"));
  }
}
