package agentx.protocol;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import io.vertx.core.json.JsonObject;

/**
 * A turn that keeps its session busy: running on engine node {@code engineNode}. The store names it
 * in the details of the {@code SESSION_BUSY} refusal of {@link Addresses#STORE_TURN_BEGIN} when another
 * turn of the session is running (one running turn per session, whatever the session locks did), and
 * an engine sends it to {@link Addresses#STORE_TURN_ABANDON} for a turn of its own that it no longer runs.
 */
public record BusyTurn(String sessionId, String turnId, String engineNode) {

  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("turn_id", turnId).put("engine_node", engineNode);
  }

  public static BusyTurn fromJson(JsonObject json) {
    return new BusyTurn(json.getString("session_id"), json.getString("turn_id"), json.getString("engine_node"));
  }

  /** The running turn a {@code SESSION_BUSY} refusal names, or null for any other failure (other reasons to be busy included). */
  public static BusyTurn of(Throwable failure) {
    if (failure instanceof AgentXException e && e.code() == ErrorCode.SESSION_BUSY && e.details() instanceof JsonObject details) {
      JsonObject running = details.getJsonObject("running_turn");
      return running == null ? null : fromJson(running);
    }
    return null;
  }

  /** The refusal's details: {@code {"running_turn": {...}}}. */
  public JsonObject asDetails() {
    return new JsonObject().put("running_turn", toJson());
  }
}
