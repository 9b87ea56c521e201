package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A tool call of a turn as the store keeps it, so a resumed turn never runs a finished call again
 * and an approval outlives the engine that asked for it.
 *
 * @param state {@link #STARTED} (running, or it was when its engine stopped), {@link #DONE} (with
 *     {@code result}), {@link #AWAITING_APPROVAL}, {@link #APPROVED}, {@link #DENIED} or {@link #CANCELLED}
 * @param result the {@link ToolResult} as JSON once done, else null
 * @param reason why it was denied (a person's reason, or the timeout), else null
 * @param editedInput the input a person approved it with, when they changed it, else null
 * @param expiresAt when an unanswered approval is denied (ISO-8601), or null for never
 */
public record ToolCallRecord(String callId, String sessionId, String turnId, String toolName, JsonObject input, String state,
    JsonObject result, String reason, JsonObject editedInput, String requestedAt, String expiresAt) {
  public static final String STARTED = "started";
  public static final String DONE = "done";
  public static final String AWAITING_APPROVAL = "awaiting_approval";
  public static final String APPROVED = "approved";
  public static final String DENIED = "denied";
  public static final String CANCELLED = "cancelled";

  public static ToolCallRecord done(String sessionId, String turnId, String callId, String toolName, JsonObject input, ToolResult result) {
    return new ToolCallRecord(callId, sessionId, turnId, toolName, input, DONE, result.toJson(), null, null, null, null);
  }

  /** A call about to run: a turn resumed after its engine died knows the call may have had its effect. */
  public static ToolCallRecord started(String sessionId, String turnId, String callId, String toolName, JsonObject input) {
    return new ToolCallRecord(callId, sessionId, turnId, toolName, input, STARTED, null, null, null, null, null);
  }

  public static ToolCallRecord awaiting(String sessionId, String turnId, String callId, String toolName, JsonObject input,
      String expiresAt) {
    return new ToolCallRecord(callId, sessionId, turnId, toolName, input, AWAITING_APPROVAL, null, null, null, null, expiresAt);
  }

  public JsonObject toJson() {
    return new JsonObject().put("tool_call_id", callId).put("session_id", sessionId).put("turn_id", turnId)
        .put("tool_name", toolName).put("input", input).put("state", state).put("result", result).put("reason", reason)
        .put("edited_input", editedInput).put("requested_at", requestedAt).put("expires_at", expiresAt);
  }

  public static ToolCallRecord fromJson(JsonObject json) {
    return new ToolCallRecord(json.getString("tool_call_id"), json.getString("session_id"), json.getString("turn_id"),
        json.getString("tool_name"), json.getJsonObject("input", new JsonObject()), json.getString("state"),
        json.getJsonObject("result"), json.getString("reason"), json.getJsonObject("edited_input"),
        json.getString("requested_at"), json.getString("expires_at"));
  }

  /** A pending approval as {@code GET /approvals} lists it. */
  public JsonObject approvalJson() {
    return new JsonObject().put("tool_call_id", callId).put("tool_name", toolName).put("input", input).put("turn_id", turnId)
        .put("requested_at", requestedAt).put("expires_at", expiresAt);
  }

  public static JsonArray listToJson(List<ToolCallRecord> calls) {
    JsonArray out = new JsonArray();
    calls.forEach(c -> out.add(c.toJson()));
    return out;
  }

  public static List<ToolCallRecord> listFromJson(JsonArray json) {
    List<ToolCallRecord> out = new ArrayList<>();
    if (json != null) {
      json.forEach(o -> out.add(fromJson((JsonObject) o)));
    }
    return out;
  }
}
