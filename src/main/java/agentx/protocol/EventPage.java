package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A page of the event log: the envelopes as stored (their JSON text, with their {@code seq}) and the
 * {@code seq} to ask after for the next page. The texts are never parsed on their way from the store to
 * a client, as a live event's are not: on the bus they travel as a live publication's do
 * ({@link SessionEvent#joined}), REST writes them into {@code {events, next_after}} as they are, and a
 * replaying socket sends each as its frame.
 */
public record EventPage(List<String> envelopes, long nextAfter) {
  public EventPage {
    envelopes = List.copyOf(envelopes);
  }

  public JsonObject toJson() {
    return new JsonObject().put("envelopes", SessionEvent.joined(envelopes)).put("next_after", nextAfter);
  }

  public static EventPage fromJson(JsonObject json) {
    String text = json.getString("envelopes", "");
    List<String> envelopes = new ArrayList<>();
    if (!text.isEmpty()) {
      SessionEvent.eachLine(text, envelopes::add);
    }
    return new EventPage(envelopes, json.getLong("next_after", 0L));
  }

  /** The page as REST shows it, {@code {"events":[…],"next_after":n}}, each envelope's text as stored. */
  public String restJson() {
    int length = 32;
    for (String envelope : envelopes) {
      length += envelope.length() + 1;
    }
    StringBuilder out = new StringBuilder(length).append("{\"events\":[");
    for (int i = 0; i < envelopes.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(envelopes.get(i));
    }
    return out.append("],\"next_after\":").append(nextAfter).append('}').toString();
  }

  /** The envelopes parsed, for a reader of their fields. */
  public JsonArray events() {
    JsonArray events = new JsonArray();
    envelopes.forEach(envelope -> events.add(new JsonObject(envelope)));
    return events;
  }
}
