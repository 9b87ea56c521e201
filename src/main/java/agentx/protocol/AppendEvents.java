package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Envelopes to store, in order, WITHOUT {@code seq}: the store numbers them after the session's last
 * event, stores them in one transaction and only then publishes them to the session's address. The
 * store is the only numberer, so a number seen by anyone was stored and is never handed out again.
 */
public record AppendEvents(List<JsonObject> envelopes) {
  public JsonObject toJson() {
    return new JsonObject().put("events", new JsonArray(envelopes));
  }

  public static AppendEvents fromJson(JsonObject json) {
    List<JsonObject> out = new ArrayList<>();
    json.getJsonArray("events", new JsonArray()).forEach(o -> out.add((JsonObject) o));
    return new AppendEvents(out);
  }

  /** The store's answer: the {@code seq} each envelope got, in order. */
  public record Stored(List<Long> seqs) {
    public JsonObject toJson() {
      return new JsonObject().put("seqs", new JsonArray(new ArrayList<>(seqs)));
    }

    public static Stored fromJson(JsonObject json) {
      List<Long> out = new ArrayList<>();
      json.getJsonArray("seqs", new JsonArray()).forEach(o -> out.add(((Number) o).longValue()));
      return new Stored(out);
    }
  }
}
