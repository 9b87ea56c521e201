package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One message of a conversation as stored and as the {@code message} event carries it (DESIGN
 * §4.2): the user's message, each assistant message, each tool-results message.
 *
 * @param blocks the Anthropic content blocks, kept exactly as sent or received
 * @param toolCalls {@code [{id, name, arguments, result?, error?}]}
 */
public record StoredMessage(String messageId, String sessionId, String turnId, String role, String content, JsonArray blocks,
    JsonArray toolCalls, long inputTokens, long outputTokens, String stopReason, String model, String timestamp) {

  public StoredMessage {
    content = content == null ? "" : content;
    blocks = blocks == null ? new JsonArray() : blocks;
    toolCalls = toolCalls == null ? new JsonArray() : toolCalls;
  }

  public JsonObject toJson() {
    return eventData().put("session_id", sessionId).put("turn_id", turnId);
  }

  /** The {@code message} event's data: the message without its routing fields. */
  public JsonObject eventData() {
    return new JsonObject()
        .put("message_id", messageId)
        .put("role", role)
        .put("content", content)
        .put("blocks", blocks)
        .put("tool_calls", toolCalls)
        .put("input_tokens", inputTokens)
        .put("output_tokens", outputTokens)
        .put("stop_reason", stopReason)
        .put("model", model)
        .put("timestamp", timestamp);
  }

  public static StoredMessage fromJson(JsonObject json) {
    return new StoredMessage(json.getString("message_id"), json.getString("session_id"), json.getString("turn_id"),
        json.getString("role"), json.getString("content", ""), json.getJsonArray("blocks"), json.getJsonArray("tool_calls"),
        json.getLong("input_tokens", 0L), json.getLong("output_tokens", 0L), json.getString("stop_reason"), json.getString("model"),
        json.getString("timestamp"));
  }
}
