package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * Closes a turn in the store with its summary and puts the session back to {@code sessionState}; with
 * the turn's last answer, when the engine sends it, appended to the conversation in the same
 * transaction (the answer and the turn's end are then stored together, or neither is).
 *
 * @param answer the assistant message that ends the turn, not stored yet; null when there is none to store
 */
public record FinishTurn(String sessionId, String sessionState, TurnSummary summary, StoredMessage answer) {
  public FinishTurn(String sessionId, String sessionState, TurnSummary summary) {
    this(sessionId, sessionState, summary, null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("session_id", sessionId).put("session_state", sessionState).put("summary", summary.toJson());
    return answer == null ? json : json.put("answer", answer.toJson());
  }

  public static FinishTurn fromJson(JsonObject json) {
    JsonObject answer = json.getJsonObject("answer");
    return new FinishTurn(json.getString("session_id"), json.getString("session_state", "idle"),
        TurnSummary.fromJson(json.getJsonObject("summary", new JsonObject())), answer == null ? null : StoredMessage.fromJson(answer));
  }
}
