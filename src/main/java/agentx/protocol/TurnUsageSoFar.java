package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A turn's usage: the final figures of a finished turn, or, sent by the engine with each Claude
 * answer and tool round's message ({@link AppendMessage}), the figures so far of a running one.
 * {@code costUsd} is null when a model without prices took part: unknown, never counted as free.
 */
public record TurnUsageSoFar(long inputTokens, long outputTokens, long cacheCreationInputTokens, long cacheReadInputTokens,
    Double costUsd, long llmCalls, long toolCalls) {

  /** Writes the usage fields into {@code json} (flat, as in the {@code turn} event). */
  public JsonObject writeTo(JsonObject json) {
    return json.put("input_tokens", inputTokens)
        .put("output_tokens", outputTokens)
        .put("cache_creation_input_tokens", cacheCreationInputTokens)
        .put("cache_read_input_tokens", cacheReadInputTokens)
        .put("total_tokens", inputTokens + outputTokens)
        .put("cost_usd", costUsd)
        .put("llm_calls", llmCalls)
        .put("tool_calls", toolCalls);
  }

  public static TurnUsageSoFar readFrom(JsonObject json) {
    return new TurnUsageSoFar(json.getLong("input_tokens", 0L), json.getLong("output_tokens", 0L),
        json.getLong("cache_creation_input_tokens", 0L), json.getLong("cache_read_input_tokens", 0L),
        json.getValue("cost_usd") instanceof Number n ? n.doubleValue() : null, json.getLong("llm_calls", 0L),
        json.getLong("tool_calls", 0L));
  }
}
