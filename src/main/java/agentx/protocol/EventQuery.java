package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** Replay of a session's log: events with {@code seq > after}, oldest first, at most {@code limit}. */
public record EventQuery(String sessionId, long after, int limit) {
  /** The most one page holds (REST's {@code limit} is capped there too). */
  public static final int MAX_LIMIT = 5_000;

  public EventQuery {
    limit = Math.max(1, Math.min(limit, MAX_LIMIT));
  }

  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("after", after).put("limit", limit);
  }

  public static EventQuery fromJson(JsonObject json) {
    return new EventQuery(json.getString("session_id"), json.getLong("after", 0L), json.getInteger("limit", 1000));
  }
}
