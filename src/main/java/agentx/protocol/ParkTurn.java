package agentx.protocol;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A turn stops to wait for approvals, in one transaction: the pending calls stored, the turn marked
 * {@code awaiting_approval} with no engine, the session {@code awaiting_approval}, and an
 * {@code approval_required} event per call. No engine holds anything for it while it waits.
 */
public record ParkTurn(String sessionId, String turnId, List<ToolCallRecord> pending, TurnUsageSoFar usage) {
  public JsonObject toJson() {
    return usage.writeTo(new JsonObject()).put("session_id", sessionId).put("turn_id", turnId)
        .put("pending", ToolCallRecord.listToJson(pending));
  }

  public static ParkTurn fromJson(JsonObject json) {
    return new ParkTurn(json.getString("session_id"), json.getString("turn_id"),
        ToolCallRecord.listFromJson(json.getJsonArray("pending")), TurnUsageSoFar.readFrom(json));
  }
}
