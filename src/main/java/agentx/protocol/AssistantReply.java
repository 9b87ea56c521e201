package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The answer to a message when its turn ends (DESIGN §4.1): the final assistant text, every tool call
 * of the turn and the turn's token totals.
 */
public record AssistantReply(String messageId, String content, JsonArray toolCalls, long inputTokens, long outputTokens,
    String turnId, String sessionId, String stopReason, String timestamp) {
  public JsonObject toJson() {
    return new JsonObject()
        .put("message_id", messageId)
        .put("role", "assistant")
        .put("content", content)
        .put("tool_calls", toolCalls)
        .put("input_tokens", inputTokens)
        .put("output_tokens", outputTokens)
        .put("turn_id", turnId)
        .put("session_id", sessionId)
        .put("stop_reason", stopReason)
        .put("timestamp", timestamp);
  }

  public static AssistantReply fromJson(JsonObject json) {
    return new AssistantReply(json.getString("message_id"), json.getString("content"), json.getJsonArray("tool_calls", new JsonArray()),
        json.getLong("input_tokens", 0L), json.getLong("output_tokens", 0L), json.getString("turn_id"), json.getString("session_id"),
        json.getString("stop_reason"), json.getString("timestamp"));
  }
}
