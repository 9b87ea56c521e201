package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A running turn's usage so far, recorded with its events ({@link AppendEvents#progress}): what its engine counted
 * since the last message it stored, a Claude call as it starts, streams, or is cut off by the engine's stop, so the engine
 * that resumes the turn starts from those figures and a spending limit still counts the call.
 */
public record TurnProgress(String turnId, TurnUsageSoFar usage) {
  public JsonObject toJson() {
    return usage.writeTo(new JsonObject()).put("turn_id", turnId);
  }

  public static TurnProgress fromJson(JsonObject json) {
    return new TurnProgress(json.getString("turn_id"), TurnUsageSoFar.readFrom(json));
  }
}
