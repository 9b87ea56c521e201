package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A running turn's usage so far, recorded alone: what its engine counted since the last message it stored
 * (a Claude call cut off by the engine's stop) when it hands the turn over to be resumed, so the engine that
 * resumes it starts from those figures and a spending limit still counts the cut call.
 */
public record TurnProgress(String turnId, TurnUsageSoFar usage) {
  public JsonObject toJson() {
    return usage.writeTo(new JsonObject()).put("turn_id", turnId);
  }

  public static TurnProgress fromJson(JsonObject json) {
    return new TurnProgress(json.getString("turn_id"), TurnUsageSoFar.readFrom(json));
  }
}
