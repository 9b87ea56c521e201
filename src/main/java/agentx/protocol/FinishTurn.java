package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** Closes a turn in the store with its summary and puts the session back to {@code sessionState}. */
public record FinishTurn(String sessionId, String sessionState, TurnSummary summary) {
  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("session_state", sessionState).put("summary", summary.toJson());
  }

  public static FinishTurn fromJson(JsonObject json) {
    return new FinishTurn(json.getString("session_id"), json.getString("session_state", "idle"),
        TurnSummary.fromJson(json.getJsonObject("summary", new JsonObject())));
  }
}
