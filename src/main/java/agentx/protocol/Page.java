package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One page of sessions, messages or turns, as REST shows it: {@code {<items>:[…], total, offset, limit}}.
 * A page of messages also says {@code last_turn_seq}: the {@code seq} of the session's last {@code turn}
 * event of a turn that had started, read before the messages were, so a client that shows these
 * messages and follows the events after it (or after the one before, to show that turn's summary too)
 * misses nothing and replays only the turn in flight, not the session's whole log.
 */
public record Page(String itemsName, JsonArray items, long total, int offset, int limit, Long lastTurnSeq) {
  public static final String SESSIONS = "sessions";
  public static final String MESSAGES = "messages";
  public static final String TURNS = "turns";

  public Page(String itemsName, JsonArray items, long total, int offset, int limit) {
    this(itemsName, items, total, offset, limit, null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put(itemsName, items).put("total", total).put("offset", offset).put("limit", limit);
    return lastTurnSeq == null ? json : json.put("last_turn_seq", lastTurnSeq);
  }

  public static Page fromJson(String itemsName, JsonObject json) {
    return new Page(itemsName, json.getJsonArray(itemsName, new JsonArray()), json.getLong("total", 0L), json.getInteger("offset", 0),
        json.getInteger("limit", 0), json.getLong("last_turn_seq"));
  }
}
