package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A page of the event log, as REST shows it: {@code {events, next_after}}. */
public record EventPage(JsonArray events, long nextAfter) {
  public JsonObject toJson() {
    return new JsonObject().put("events", events).put("next_after", nextAfter);
  }

  public static EventPage fromJson(JsonObject json) {
    return new EventPage(json.getJsonArray("events", new JsonArray()), json.getLong("next_after", 0L));
  }
}
