package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** One message of the conversation as the engine rebuilds Claude's history from it, with its turn's status. */
public record HistoryEntry(String role, JsonArray blocks, String turnId, String stopReason, String turnStatus, String messageId) {
  public HistoryEntry(String role, JsonArray blocks, String turnId, String stopReason, String turnStatus) {
    this(role, blocks, turnId, stopReason, turnStatus, null);
  }

  public JsonObject toJson() {
    return new JsonObject().put("role", role).put("blocks", blocks).put("turn_id", turnId).put("stop_reason", stopReason)
        .put("turn_status", turnStatus).put("message_id", messageId);
  }

  public static HistoryEntry fromJson(JsonObject json) {
    return new HistoryEntry(json.getString("role"), json.getJsonArray("blocks", new JsonArray()), json.getString("turn_id"),
        json.getString("stop_reason"), json.getString("turn_status"), json.getString("message_id"));
  }

  /** The store's answer: {@code {messages:[…]}}, oldest first. */
  public static JsonObject listToJson(List<HistoryEntry> entries) {
    JsonArray out = new JsonArray();
    entries.forEach(e -> out.add(e.toJson()));
    return new JsonObject().put("messages", out);
  }

  public static List<HistoryEntry> listFromJson(JsonObject json) {
    List<HistoryEntry> out = new ArrayList<>();
    json.getJsonArray("messages", new JsonArray()).forEach(o -> out.add(fromJson((JsonObject) o)));
    return out;
  }
}
