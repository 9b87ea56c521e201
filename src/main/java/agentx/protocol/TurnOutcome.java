package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * What a turn someone waits for ended with: Claude's answer, or a stop to wait for approvals (the
 * turn goes on, on any engine, once they are answered).
 */
public record TurnOutcome(AssistantReply reply, TurnAccepted waiting) {
  public static TurnOutcome of(AssistantReply reply) {
    return new TurnOutcome(reply, null);
  }

  public static TurnOutcome waiting(TurnAccepted waiting) {
    return new TurnOutcome(null, waiting);
  }

  public JsonObject toJson() {
    return reply != null ? reply.toJson() : waiting.toJson();
  }

  public static TurnOutcome fromJson(JsonObject json) {
    return TurnAccepted.AWAITING_APPROVAL.equals(json.getString("status")) && !json.containsKey("message_id")
        ? waiting(TurnAccepted.fromJson(json)) : of(AssistantReply.fromJson(json));
  }
}
