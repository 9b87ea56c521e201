package agentx.protocol;

import io.vertx.core.json.JsonObject;

/** The engine took a turn that nobody waits for: follow it on the session's events. */
public record TurnAccepted(String sessionId, String turnId, String status) {
  /** The turn started (it is in {@code GET /turns} already). */
  public static final String RUNNING = "running";
  /** The turn waits for the session's running turn to end. */
  public static final String QUEUED = "queued";
  /** The turn stopped to wait for approvals ({@code GET /approvals}); it goes on once they are answered. */
  public static final String AWAITING_APPROVAL = "awaiting_approval";

  public JsonObject toJson() {
    return new JsonObject().put("turn_id", turnId).put("session_id", sessionId).put("status", status);
  }

  public static TurnAccepted fromJson(JsonObject json) {
    return new TurnAccepted(json.getString("session_id"), json.getString("turn_id"), json.getString("status", QUEUED));
  }
}
