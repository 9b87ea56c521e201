package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A page of a list: sessions (of {@code owner}, a user id, or all when null) or the messages of a
 * session ({@code owner} = its id).
 */
public record PageQuery(String owner, int limit, int offset) {
  public JsonObject toJson() {
    return new JsonObject().put("owner", owner).put("limit", limit).put("offset", offset);
  }

  public static PageQuery fromJson(JsonObject json) {
    return new PageQuery(json.getString("owner"), json.getInteger("limit", 20), json.getInteger("offset", 0));
  }
}
