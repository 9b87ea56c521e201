package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A person's answer to a pending approval (or the timeout's, or a cancel's): the first answer wins.
 *
 * @param decision {@link #APPROVE}, {@link #DENY} or {@link #CANCEL} (the turn is cancelled)
 * @param input the input to run the tool with instead of Claude's, or null
 */
public record ApprovalAnswer(String sessionId, String callId, String decision, String reason, JsonObject input) {
  public static final String APPROVE = "approve";
  public static final String DENY = "deny";
  public static final String CANCEL = "cancel";

  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("tool_call_id", callId).put("decision", decision)
        .put("reason", reason).put("input", input);
  }

  public static ApprovalAnswer fromJson(JsonObject json) {
    return new ApprovalAnswer(json.getString("session_id"), json.getString("tool_call_id"), json.getString("decision"),
        json.getString("reason"), json.getJsonObject("input"));
  }

  /**
   * What the store did with an answer.
   *
   * @param waiting approvals of the turn still unanswered (0: the turn goes on)
   */
  public record Outcome(String callId, String turnId, String decision, int waiting) {
    public JsonObject toJson() {
      return new JsonObject().put("tool_call_id", callId).put("turn_id", turnId).put("decision", decision)
          .put("waiting", waiting).put("turn", waiting == 0 ? "resuming" : "awaiting_approval");
    }

    public static Outcome fromJson(JsonObject json) {
      return new Outcome(json.getString("tool_call_id"), json.getString("turn_id"), json.getString("decision"),
          json.getInteger("waiting", 0));
    }
  }
}
