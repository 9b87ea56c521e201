package agentx.events;

import io.vertx.core.json.JsonObject;

/**
 * The four event layers of DESIGN §4.2 and their envelope
 * {@code {type, session_id, turn_id, seq, timestamp, data}}. Builders only: the store alone gives an
 * envelope its {@code seq}, when it stores it.
 */
public final class Events {
  public static final String STREAM = "stream";
  public static final String STATE = "state";
  public static final String MESSAGE = "message";
  public static final String TURN = "turn";
  /** A new version of the session's workflow: {@code {version, workflow, source, tool_call_id?}}. */
  public static final String WORKFLOW = "workflow";
  /** A tool call waits for a person's answer: {@code {tool_call_id, tool_name, input, expires_at?}}. */
  public static final String APPROVAL_REQUIRED = "approval_required";

  private Events() {}

  /** An envelope without its {@code seq}: what is sent to the store, which numbers it. */
  public static JsonObject draft(String type, String sessionId, String turnId, Object data) {
    return new JsonObject()
        .put("type", type)
        .put("session_id", sessionId)
        .put("turn_id", turnId)
        .put("seq", null)
        .put("timestamp", Times.now())
        .put("data", data);
  }

  /** {@code state} data: {@code {state, tool_name, tool_call_id, progress}}. */
  public static JsonObject state(String state, String toolName, String toolCallId, Object progress) {
    return new JsonObject()
        .put("state", state)
        .put("tool_name", toolName)
        .put("tool_call_id", toolCallId)
        .put("progress", progress);
  }

  public static JsonObject state(String state) {
    return state(state, null, null, null);
  }

  public static JsonObject errorState(ErrorCode code, String message) {
    return state("error", null, null, new JsonObject().put("code", code.name()).put("message", message));
  }
}
