package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * One turn as the store keeps it and {@code GET /sessions/{id}/turns[/{turn_id}]} shows it. A running
 * turn has no {@code finished_at}; its usage is what its engine reported so far and its
 * {@code duration_ms} the time since it started.
 *
 * @param status {@code running|completed|cancelled|failed}
 */
public record TurnRecord(String turnId, String sessionId, String status, String userMessageId, String assistantMessageId,
    String stopReason, String startedAt, String finishedAt, Long durationMs, TurnUsageSoFar usage, String errorCode,
    String errorMessage, String engineNode) {

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
        .put("turn_id", turnId)
        .put("session_id", sessionId)
        .put("status", status)
        .put("user_message_id", userMessageId)
        .put("assistant_message_id", assistantMessageId)
        .put("stop_reason", stopReason)
        .put("started_at", startedAt)
        .put("finished_at", finishedAt)
        .put("duration_ms", durationMs)
        .put("engine_node", engineNode);
    usage.writeTo(json);
    if (errorCode != null) {
      json.put("error_code", errorCode).put("error_message", errorMessage);
    }
    return json;
  }

  public static TurnRecord fromJson(JsonObject json) {
    return new TurnRecord(json.getString("turn_id"), json.getString("session_id"), json.getString("status"),
        json.getString("user_message_id"), json.getString("assistant_message_id"), json.getString("stop_reason"),
        json.getString("started_at"), json.getString("finished_at"), json.getLong("duration_ms"), TurnUsageSoFar.readFrom(json),
        json.getString("error_code"), json.getString("error_message"), json.getString("engine_node"));
  }
}
