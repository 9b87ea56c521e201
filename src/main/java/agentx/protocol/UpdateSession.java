package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Changes a session's title and/or config; the store answers the {@link Session}.
 *
 * @param setTitle whether {@code title} is part of the change (a null title then clears it)
 * @param config the new config, or null to keep the current one
 */
public record UpdateSession(String sessionId, boolean setTitle, String title, JsonObject config) {
  public JsonObject toJson() {
    JsonObject changes = new JsonObject();
    if (setTitle) {
      changes.put("title", title);
    }
    if (config != null) {
      changes.put("config", config);
    }
    return new JsonObject().put("session_id", sessionId).put("changes", changes);
  }

  public static UpdateSession fromJson(JsonObject json) {
    JsonObject changes = json.getJsonObject("changes", new JsonObject());
    return new UpdateSession(json.getString("session_id"), changes.containsKey("title"), changes.getString("title"),
        changes.getJsonObject("config"));
  }
}
