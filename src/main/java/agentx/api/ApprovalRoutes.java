package agentx.api;

import static agentx.api.Requests.jsonBody;
import static agentx.api.Requests.sessionId;
import static agentx.api.Routes.json;

import agentx.protocol.ApprovalAnswer;
import agentx.protocol.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.regex.Pattern;

/**
 * Human approval of tool calls ({@code tool_approval: ask}): list what a session waits for, and
 * answer it. The same answer comes over the WebSocket ({@code {"type":"approval"}}) and the bridge
 * ({@code agentx.client.approve}); all three go through {@link #answer}.
 */
final class ApprovalRoutes {
  static final int MAX_REASON = 2_000;
  /** Claude's tool_use ids ({@code toolu_...}) and those of the test fakes. */
  private static final Pattern CALL_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  private final StoreClient store;

  ApprovalRoutes(StoreClient store) {
    this.store = store;
  }

  void mount(Router api) {
    api.get("/sessions/:id/approvals").handler(json(200, ctx -> approvals(store, sessionId(ctx))));
    api.post("/sessions/:id/approvals/:call_id").handler(json(200, ctx ->
        answer(store, sessionId(ctx), ctx.pathParam("call_id"), jsonBody(ctx))));
  }

  /** {@code {approvals: [{tool_call_id, tool_name, input, turn_id, requested_at, expires_at}]}}, oldest first. */
  static Future<JsonObject> approvals(StoreClient store, String sessionId) {
    return store.approvals(sessionId).map(list -> {
      JsonArray out = new JsonArray();
      list.forEach(c -> out.add(c.approvalJson()));
      return new JsonObject().put("approvals", out);
    });
  }

  /**
   * Checks and records an answer {@code {decision: approve|deny, reason?, input?}}: 404
   * APPROVAL_NOT_FOUND for a call never asked, 409 APPROVAL_ALREADY_ANSWERED after the first answer.
   */
  static Future<JsonObject> answer(StoreClient store, String sessionId, String callId, JsonObject body) {
    if (callId == null || !CALL_ID.matcher(callId).matches()) {
      throw Requests.invalid("'" + callId + "' is not a tool_call_id (letters, digits, _ and -, at most 128).");
    }
    Requests.onlyFields(body, "decision", "reason", "input");
    String decision = Requests.requiredString(body, "decision", 16);
    if (!ApprovalAnswer.APPROVE.equals(decision) && !ApprovalAnswer.DENY.equals(decision)) {
      throw Requests.invalid("decision must be \"approve\" or \"deny\".");
    }
    String reason = Requests.optionalString(body, "reason", MAX_REASON);
    JsonObject input = Requests.optionalObject(body, "input");
    if (input != null && ApprovalAnswer.DENY.equals(decision)) {
      throw Requests.invalid("input goes with \"approve\" only (the tool runs with it instead of Claude's input).");
    }
    return store.answerApproval(new ApprovalAnswer(sessionId, callId, decision, reason, input)).map(ApprovalAnswer.Outcome::toJson);
  }

  /** Used by the WebSocket and the bridge: the call id travels in the body. */
  static Future<JsonObject> answerFrom(StoreClient store, String sessionId, JsonObject frame) {
    JsonObject body = frame.copy();
    Object callId = body.remove("tool_call_id");
    if (!(callId instanceof String id)) {
      throw Requests.invalid("tool_call_id is required: the id of the tool call to answer.");
    }
    return answer(store, sessionId, id, body);
  }
}
