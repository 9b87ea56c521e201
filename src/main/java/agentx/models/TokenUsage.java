package agentx.models;

import io.vertx.core.json.JsonObject;

/** The token counts one Messages API response bills, cache writes split by lifetime. */
public record TokenUsage(long input, long output, long cacheWrite5m, long cacheWrite1h, long cacheRead) {

  /**
   * Reads a Messages API {@code usage} object. When it has the {@code cache_creation} breakdown
   * ({@code ephemeral_5m_input_tokens}, {@code ephemeral_1h_input_tokens}) that split is used;
   * otherwise all of {@code cache_creation_input_tokens} counts as 5-minute writes, the lifetime
   * AgentX asks for.
   */
  public static TokenUsage fromApi(JsonObject usage) {
    if (usage == null) {
      return new TokenUsage(0, 0, 0, 0, 0);
    }
    long write = usage.getLong("cache_creation_input_tokens", 0L);
    long write5m = write;
    long write1h = 0;
    JsonObject split = usage.getJsonObject("cache_creation");
    if (split != null && (split.containsKey("ephemeral_5m_input_tokens") || split.containsKey("ephemeral_1h_input_tokens"))) {
      write5m = split.getLong("ephemeral_5m_input_tokens", 0L);
      write1h = split.getLong("ephemeral_1h_input_tokens", 0L);
    }
    return new TokenUsage(usage.getLong("input_tokens", 0L), usage.getLong("output_tokens", 0L), write5m, write1h,
        usage.getLong("cache_read_input_tokens", 0L));
  }

  /** The prompt length prompt-length price tiers look at: input, cache writes and cache reads. */
  public long promptTokens() {
    return input + cacheWrite5m + cacheWrite1h + cacheRead;
  }
}
