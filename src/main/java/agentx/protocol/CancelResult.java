package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** Whether a running turn was found and stopped. */
public record CancelResult(boolean cancelled, String turnId) {
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("cancelled", cancelled);
    return turnId == null ? json : json.put("turn_id", turnId);
  }

  public static CancelResult fromJson(JsonObject json) {
    return new CancelResult(json.getBoolean("cancelled", false), json.getString("turn_id"));
  }
}
