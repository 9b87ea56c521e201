package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Starts a turn in the store, atomically: the user's message, the running turn row and the session
 * marked {@code processing}, in one transaction, so a crash never leaves a user message with no turn.
 */
public record BeginTurn(String turnId, String sessionId, String engineNode, StoredMessage userMessage, String system, boolean queued) {
  public BeginTurn(String turnId, String sessionId, String engineNode, StoredMessage userMessage) {
    this(turnId, sessionId, engineNode, userMessage, null, false);
  }

  public BeginTurn(String turnId, String sessionId, String engineNode, StoredMessage userMessage, String system) {
    this(turnId, sessionId, engineNode, userMessage, system, false);
  }

  /**
   * {@code system}: the turn's own system prompt ({@code system} of the request), kept so another engine can
   * resume it; {@code queued}: the turn was recorded as queued ({@link QueuedTurn}) and starts from that row.
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("turn_id", turnId).put("session_id", sessionId).put("engine_node", engineNode)
        .put("user_message", userMessage.toJson()).put("system", system);
    return queued ? json.put("queued", true) : json;
  }

  public static BeginTurn fromJson(JsonObject json) {
    return new BeginTurn(json.getString("turn_id"), json.getString("session_id"), json.getString("engine_node"),
        StoredMessage.fromJson(json.getJsonObject("user_message", new JsonObject())), json.getString("system"),
        Boolean.TRUE.equals(json.getValue("queued")));
  }
}
