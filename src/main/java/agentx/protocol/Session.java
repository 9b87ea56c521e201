package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A chat session as the store answers it and REST shows it (DESIGN §4.1), with its usage totals.
 *
 * @param state {@code idle|processing|waiting_for_tool|error|closed}
 */
public record Session(String sessionId, String createdAt, String updatedAt, String state, JsonObject config, String userId,
    String title, long messageCount, Usage usage) {

  /** What a session has spent over all its turns. */
  public record Usage(long inputTokens, long outputTokens, long cacheCreationInputTokens, long cacheReadInputTokens,
      double costUsd, long turns) {
    public JsonObject toJson() {
      return new JsonObject()
          .put("input_tokens", inputTokens)
          .put("output_tokens", outputTokens)
          .put("cache_creation_input_tokens", cacheCreationInputTokens)
          .put("cache_read_input_tokens", cacheReadInputTokens)
          .put("cost_usd", costUsd)
          .put("turns", turns);
    }

    public static Usage fromJson(JsonObject json) {
      JsonObject j = json == null ? new JsonObject() : json;
      return new Usage(j.getLong("input_tokens", 0L), j.getLong("output_tokens", 0L), j.getLong("cache_creation_input_tokens", 0L),
          j.getLong("cache_read_input_tokens", 0L), j.getDouble("cost_usd", 0.0), j.getLong("turns", 0L));
    }
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("session_id", sessionId)
        .put("created_at", createdAt)
        .put("updated_at", updatedAt)
        .put("state", state)
        .put("config", config)
        .put("user_id", userId)
        .put("title", title)
        .put("message_count", messageCount)
        .put("usage", usage.toJson());
  }

  public static Session fromJson(JsonObject json) {
    return new Session(json.getString("session_id"), json.getString("created_at"), json.getString("updated_at"),
        json.getString("state"), json.getJsonObject("config", new JsonObject()), json.getString("user_id"), json.getString("title"),
        json.getLong("message_count", 0L), Usage.fromJson(json.getJsonObject("usage")));
  }
}
