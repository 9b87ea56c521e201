package agentx.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A message to append at the end of its session's conversation ({@code agentx.store.message.append}),
 * with, when the engine sends it, its turn's usage so far, written in the same transaction: after each
 * Claude answer and tool round, so {@code GET /turns/{turn_id}} shows it while the turn runs and a
 * turn resumed after its engine died carries on from it.
 *
 * @param usage the turn's usage so far, or null to leave the turn's figures as they are
 */
public record AppendMessage(StoredMessage message, TurnUsageSoFar usage) {
  public JsonObject toJson() {
    JsonObject json = message.toJson();
    return usage == null ? json : json.put("turn_usage", usage.writeTo(new JsonObject()));
  }

  public static AppendMessage fromJson(JsonObject json) {
    JsonObject usage = json.getJsonObject("turn_usage");
    return new AppendMessage(StoredMessage.fromJson(json), usage == null ? null : TurnUsageSoFar.readFrom(usage));
  }
}
