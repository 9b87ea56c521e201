package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** Creates a session; the store answers the {@link Session}. {@code config} is already validated. */
public record CreateSession(String userId, String title, JsonObject config) {
  public JsonObject toJson() {
    return new JsonObject().put("user_id", userId).put("title", title).put("config", config);
  }

  public static CreateSession fromJson(JsonObject json) {
    return new CreateSession(json.getString("user_id"), json.getString("title"), json.getJsonObject("config", new JsonObject()));
  }
}
