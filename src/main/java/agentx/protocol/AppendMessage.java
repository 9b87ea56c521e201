package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** The engine's report of a running turn's usage so far, so {@code GET /turns/{turn_id}} shows it before the turn ends. */
public record TurnProgress(String turnId, TurnUsageSoFar usage) {
  public JsonObject toJson() {
    return usage.writeTo(new JsonObject().put("turn_id", turnId));
  }

  public static TurnProgress fromJson(JsonObject json) {
    return new TurnProgress(json.getString("turn_id"), TurnUsageSoFar.readFrom(json));
  }
}
