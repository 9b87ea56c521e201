package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** A request about one session and nothing else: get, delete, history, workflow versions. */
public record SessionRef(String sessionId) {
  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId);
  }

  public static SessionRef fromJson(JsonObject json) {
    return new SessionRef(json.getString("session_id"));
  }
}
