package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Asks the engine to run a turn. With {@code wait} the engine answers the {@link AssistantReply}
 * when the turn ends; without, a {@link TurnAccepted} as soon as it is queued.
 */
public record StartTurn(String sessionId, String turnId, String content, String system, boolean awaitEnd) {
  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("turn_id", turnId).put("content", content).put("system", system)
        .put("wait", awaitEnd);
  }

  public static StartTurn fromJson(JsonObject json) {
    return new StartTurn(json.getString("session_id"), json.getString("turn_id"), json.getString("content"),
        json.getString("system"), json.getBoolean("wait", true));
  }
}
