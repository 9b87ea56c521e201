package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A turn accepted behind its session's running turn ({@code "wait": false} answered 202 {@code queued}):
 * recorded by the store before the client is told, so the acknowledgement survives the engine that holds
 * it in memory ({@code agentx.store.turn.queue}); or, with an error, closed without having run when it
 * could not start ({@code agentx.store.turn.unqueue}: the session stayed busy too long), or without one,
 * closed as cancelled.
 */
public record QueuedTurn(String sessionId, String turnId, String engineNode, String errorCode, String errorMessage) {

  public static QueuedTurn accepted(String sessionId, String turnId, String engineNode) {
    return new QueuedTurn(sessionId, turnId, engineNode, null, null);
  }

  /** A queued turn its user cancelled before it started: closed as {@code cancelled}. */
  public static QueuedTurn cancelled(String sessionId, String turnId) {
    return new QueuedTurn(sessionId, turnId, null, null, null);
  }

  public static QueuedTurn dropped(String sessionId, String turnId, String errorCode, String errorMessage) {
    return new QueuedTurn(sessionId, turnId, null, errorCode, errorMessage);
  }

  public JsonObject toJson() {
    return new JsonObject().put("session_id", sessionId).put("turn_id", turnId).put("engine_node", engineNode)
        .put("error_code", errorCode).put("error_message", errorMessage);
  }

  public static QueuedTurn fromJson(JsonObject json) {
    return new QueuedTurn(json.getString("session_id"), json.getString("turn_id"), json.getString("engine_node"),
        json.getString("error_code"), json.getString("error_message"));
  }
}
