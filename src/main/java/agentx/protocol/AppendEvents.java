package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Envelopes to store, in order, WITHOUT {@code seq}: the store numbers them after the session's last
 * event, stores them in one transaction and only then publishes them to the session's address. The
 * store is the only numberer, so a number seen by anyone was stored and is never handed out again.
 *
 * <p>Each envelope is either its JSON text (what the engine sends: encoded once, then numbered,
 * stored and published as text; strings cross the local event bus without a copy) or a
 * {@code JsonObject}.
 *
 * <p>{@code progress}, when not null, is a running turn's figures, recorded in the same transaction as the events
 * ({@code null} for none): as its Claude call started (its {@code message_start}), once a second as it streams, or as
 * its stopping engine left it to be resumed with a call cut off. An older store ignores it.
 */
public record AppendEvents(List<?> envelopes, TurnProgress progress) {
  public AppendEvents(List<?> envelopes) {
    this(envelopes, null);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("events", new JsonArray(new ArrayList<>(envelopes)));
    return progress == null ? json : json.put("progress", progress.toJson());
  }

  public static AppendEvents fromJson(JsonObject json) {
    List<Object> out = new ArrayList<>();
    json.getJsonArray("events", new JsonArray()).forEach(out::add);
    return new AppendEvents(out, json.getValue("progress") instanceof JsonObject p ? TurnProgress.fromJson(p) : null);
  }

  /** The envelopes as JSON text, in order. */
  public List<String> encoded() {
    List<String> out = new ArrayList<>(envelopes.size());
    for (Object envelope : envelopes) {
      if (envelope instanceof String text) {
        out.add(text);
      } else if (envelope instanceof JsonObject object) {
        out.add(object.encode());
      } else {
        throw new IllegalArgumentException("An event envelope must be a JSON object or its text, not " + envelope);
      }
    }
    return out;
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
