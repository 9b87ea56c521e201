package agentx.protocol;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Asks the engine to run a turn. With {@code awaitEnd} the engine answers the {@link AssistantReply}
 * when the turn ends; without, a {@link TurnAccepted} as soon as it is queued.
 *
 * @param content the message's text (the text blocks joined, when it came as blocks)
 * @param blocks the message as Anthropic content blocks (text and base64 images), or null for plain text
 * @param handOverAnswered the asker takes a {@link #handedOver} failure when the engine stops and leaves the turn
 *     to be resumed; an asker that does not (an older node) gets no answer then, and follows the session's events
 */
public record StartTurn(String sessionId, String turnId, String content, JsonArray blocks, String system, boolean awaitEnd,
    boolean handOverAnswered) {
  /** A request from this version: it takes the hand-over answer whenever it waits for the end. */
  public StartTurn(String sessionId, String turnId, String content, JsonArray blocks, String system, boolean awaitEnd) {
    this(sessionId, turnId, content, blocks, system, awaitEnd, awaitEnd);
  }

  public StartTurn(String sessionId, String turnId, String content, String system, boolean awaitEnd) {
    this(sessionId, turnId, content, null, system, awaitEnd);
  }

  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("turn_id", turnId).put("content", content).put("blocks", blocks)
        .put("system", system).put("wait", awaitEnd).put(HAND_OVER_ANSWERED, handOverAnswered);
  }

  public static StartTurn fromJson(JsonObject json) {
    return new StartTurn(json.getString("session_id"), json.getString("turn_id"), json.getString("content"),
        json.getJsonArray("blocks"), json.getString("system"), json.getBoolean("wait", true), json.getBoolean(HAND_OVER_ANSWERED, false));
  }

  private static final String HAND_OVER_ANSWERED = "hand_over_answered";
  private static final String HANDED_OVER = "handed_over";

  /**
   * The answer to a waiting asker when the engine running the turn stopped and left it to be resumed (after a
   * restart, or by another engine once this node has left the cluster): the turn is kept, not over.
   */
  public static AgentXException handedOver(String turnId) {
    return new AgentXException(ErrorCode.SERVICE_UNAVAILABLE, "The engine running this turn stopped and left it to be resumed (after the "
        + "restart, or by another node): the turn is kept and resumed; follow it on the session's events.",
        new JsonObject().put(HANDED_OVER, true).put("turn_id", turnId));
  }

  /** Whether a failure is the {@link #handedOver} answer. */
  public static boolean isHandedOver(Throwable failure) {
    return failure instanceof AgentXException e && e.details() instanceof JsonObject d && d.getBoolean(HANDED_OVER, false);
  }
}
