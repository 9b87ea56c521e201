package agentx.protocol;

import agentx.events.ErrorCode;
import io.vertx.core.json.JsonObject;

/**
 * How a turn ended: the {@code turn} event's data (DESIGN §4.2), written once for the engine that
 * finishes a turn and the store that closes one a crash left running.
 *
 * @param status {@code completed|cancelled|failed}
 * @param errorCode the {@link ErrorCode} name when failed, else null
 */
public record TurnSummary(String turnId, String userMessageId, String assistantMessageId, long durationMs, String status,
    long inputTokens, long outputTokens, long cacheCreationInputTokens, long cacheReadInputTokens, Double costUsd, long llmCalls,
    long toolCalls, String stopReason, String errorCode, String errorMessage) {

  /** A turn cancelled while it waited to start (queued): no message, no usage. */
  public static TurnSummary cancelledBeforeRunning(String turnId) {
    return new TurnSummary(turnId, null, null, 0, "cancelled", 0, 0, 0, 0, 0.0, 0, 0, "cancelled", null, null);
  }

  /** A turn that never got to Claude, or whose engine died: failed with {@code code}, nothing used. */
  public static TurnSummary failedBeforeRunning(String turnId, String userMessageId, ErrorCode code, String reason) {
    return new TurnSummary(turnId, userMessageId, null, 0, "failed", 0, 0, 0, 0, 0.0, 0, 0, "error", code.name(), reason);
  }

  public long totalTokens() {
    return inputTokens + outputTokens;
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("turn_id", turnId)
        .put("user_message_id", userMessageId)
        .put("assistant_message_id", assistantMessageId)
        .put("total_tokens", totalTokens())
        .put("duration_ms", durationMs)
        .put("status", status)
        .put("input_tokens", inputTokens)
        .put("output_tokens", outputTokens)
        .put("cache_creation_input_tokens", cacheCreationInputTokens)
        .put("cache_read_input_tokens", cacheReadInputTokens)
        .put("cost_usd", costUsd)
        .put("llm_calls", llmCalls)
        .put("tool_calls", toolCalls)
        .put("stop_reason", stopReason);
    if (errorCode != null) {
      json.put("error_code", errorCode).put("error_message", errorMessage);
    }
    return json;
  }

  public static TurnSummary fromJson(JsonObject json) {
    return new TurnSummary(json.getString("turn_id"), json.getString("user_message_id"), json.getString("assistant_message_id"),
        json.getLong("duration_ms", 0L), json.getString("status"), json.getLong("input_tokens", 0L), json.getLong("output_tokens", 0L),
        json.getLong("cache_creation_input_tokens", 0L), json.getLong("cache_read_input_tokens", 0L),
        json.getValue("cost_usd") instanceof Number n ? n.doubleValue() : null, json.getLong("llm_calls", 0L),
        json.getLong("tool_calls", 0L), json.getString("stop_reason"), json.getString("error_code"), json.getString("error_message"));
  }
}
