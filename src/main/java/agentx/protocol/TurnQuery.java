package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** The turns of a session, oldest first, a page at a time; or one of them when {@code turnId} is set. */
public record TurnQuery(String sessionId, String turnId, int limit, int offset) {
  public static final int MAX_LIMIT = 100;

  public static TurnQuery one(String sessionId, String turnId) {
    return new TurnQuery(sessionId, turnId, 1, 0);
  }

  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("turn_id", turnId).put("limit", limit).put("offset", offset);
  }

  public static TurnQuery fromJson(JsonObject json) {
    return new TurnQuery(json.getString("session_id"), json.getString("turn_id"), json.getInteger("limit", 20),
        json.getInteger("offset", 0));
  }
}
