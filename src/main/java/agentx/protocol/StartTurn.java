package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Asks the engine to run a turn. With {@code awaitEnd} the engine answers the {@link AssistantReply}
 * when the turn ends; without, a {@link TurnAccepted} as soon as it is queued.
 *
 * @param content the message's text (the text blocks joined, when it came as blocks)
 * @param blocks the message as Anthropic content blocks (text and base64 images), or null for plain text
 */
public record StartTurn(String sessionId, String turnId, String content, JsonArray blocks, String system, boolean awaitEnd) {
  public StartTurn(String sessionId, String turnId, String content, String system, boolean awaitEnd) {
    this(sessionId, turnId, content, null, system, awaitEnd);
  }

  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("turn_id", turnId).put("content", content).put("blocks", blocks)
        .put("system", system).put("wait", awaitEnd);
  }

  public static StartTurn fromJson(JsonObject json) {
    return new StartTurn(json.getString("session_id"), json.getString("turn_id"), json.getString("content"),
        json.getJsonArray("blocks"), json.getString("system"), json.getBoolean("wait", true));
  }
}
