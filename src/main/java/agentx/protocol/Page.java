package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** One page of sessions, messages or turns, as REST shows it: {@code {<items>:[…], total, offset, limit}}. */
public record Page(String itemsName, JsonArray items, long total, int offset, int limit) {
  public static final String SESSIONS = "sessions";
  public static final String MESSAGES = "messages";
  public static final String TURNS = "turns";

  public JsonObject toJson() {
    return new JsonObject().put(itemsName, items).put("total", total).put("offset", offset).put("limit", limit);
  }

  public static Page fromJson(String itemsName, JsonObject json) {
    return new Page(itemsName, json.getJsonArray(itemsName, new JsonArray()), json.getLong("total", 0L), json.getInteger("offset", 0),
        json.getInteger("limit", 0));
  }
}
