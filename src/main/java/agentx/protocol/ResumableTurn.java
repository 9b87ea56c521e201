package agentx.protocol;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A turn an engine has just claimed to carry on (after its engine died, or once its approvals are
 * answered): what the engine needs besides the session's history, which holds the turn's messages.
 *
 * @param interruptions how many times an engine died while running it
 * @param usage its usage so far (as last reported)
 * @param calls its tool calls as stored: finished ones (never run again), answered approvals
 */
public record ResumableTurn(String turnId, String sessionId, String userMessageId, String system, int interruptions,
    String startedAt, TurnUsageSoFar usage, List<ToolCallRecord> calls) {
  public JsonObject toJson() {
    return usage.writeTo(new JsonObject()).put("turn_id", turnId).put("session_id", sessionId)
        .put("user_message_id", userMessageId).put("system", system).put("interruptions", interruptions)
        .put("started_at", startedAt).put("calls", ToolCallRecord.listToJson(calls));
  }

  public static ResumableTurn fromJson(JsonObject json) {
    return new ResumableTurn(json.getString("turn_id"), json.getString("session_id"), json.getString("user_message_id"),
        json.getString("system"), json.getInteger("interruptions", 0), json.getString("started_at"),
        TurnUsageSoFar.readFrom(json), ToolCallRecord.listFromJson(json.getJsonArray("calls")));
  }

  /** A turn waiting for an engine: published on {@link Addresses#ENGINE_TURN_RESUMABLE}, listed by the store. */
  public record Offer(String turnId, String sessionId) {
    public JsonObject toJson() {
      return new JsonObject().put("turn_id", turnId).put("session_id", sessionId);
    }

    public static Offer fromJson(JsonObject json) {
      return new Offer(json == null ? null : json.getString("turn_id"), json == null ? null : json.getString("session_id"));
    }
  }

  /** Asks the store to hand a turn waiting to be resumed to {@code engineNode}; fails when another engine got it first. */
  public record Claim(String turnId, String engineNode) {
    public JsonObject toJson() {
      return new JsonObject().put("turn_id", turnId).put("engine_node", engineNode);
    }

    public static Claim fromJson(JsonObject json) {
      return new Claim(json.getString("turn_id"), json.getString("engine_node"));
    }
  }
}
