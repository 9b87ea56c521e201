package agentx.protocol;

import agentx.events.JsonText;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;

/**
 * One event of a session as it travels on {@link Addresses#sessionEvents}: the envelope of DESIGN
 * §4.2 as the JSON text the store encoded once and wrote to its row. The store publishes that text
 * (a {@code String} body: the local event bus hands it over without copying, the clustered bus sends
 * it as is), and each subscriber writes it to its socket unchanged; only {@code seq} and {@code type}
 * are read from it, without parsing the whole. {@link #toJson()} parses on demand for the rare reader
 * that needs more.
 *
 * <p>A {@code JsonObject} body on the address (an older node of a cluster, a test) is accepted too.
 */
public final class SessionEvent {
  private final String json;
  private final long seq;
  private String type;
  private JsonObject parsed;

  private SessionEvent(String json, long seq, JsonObject parsed) {
    this.json = json;
    this.seq = seq;
    this.parsed = parsed;
  }

  /** An envelope as stored (encoded JSON text). */
  public static SessionEvent of(String json) {
    return new SessionEvent(json, JsonText.integer(json, "seq", -1), null);
  }

  public static SessionEvent of(JsonObject envelope) {
    Object seq = envelope.getValue("seq");
    return new SessionEvent(envelope.encode(), seq instanceof Number n ? n.longValue() : -1, envelope);
  }

  /** What arrived on a session's address as an event, or null for a body that is not one. */
  public static SessionEvent fromBody(Object body) {
    if (body instanceof String text) {
      return of(text);
    }
    if (body instanceof JsonObject envelope) {
      return of(envelope);
    }
    if (body instanceof Buffer bytes) {
      return of(bytes.toString());
    }
    return null;
  }

  /** Publishes one stored envelope (its JSON text) to its session's subscribers, wherever they are in the cluster. */
  public static void publish(Vertx vertx, String sessionId, String json) {
    vertx.eventBus().publish(Addresses.sessionEvents(sessionId), json);
  }

  /**
   * Publishes consecutive stored envelopes of one session, in {@code seq} order, as ONE message: their
   * texts joined by {@code '\n'} (an encoded envelope is one line: encoders escape newlines). Under
   * load the store commits several events of a session at once, and a message per event was most of
   * the cost of delivering them. Subscribers read it with {@link #each}.
   */
  public static void publish(Vertx vertx, String sessionId, List<String> jsons) {
    if (jsons.size() == 1) {
      publish(vertx, sessionId, jsons.get(0));
    } else if (!jsons.isEmpty()) {
      vertx.eventBus().publish(Addresses.sessionEvents(sessionId), joined(jsons));
    }
  }

  /** Stored envelopes as one text on the bus: joined by {@code '\n'} (an encoded envelope is one line). Read back with {@link #eachLine}. */
  public static String joined(List<String> jsons) {
    return String.join("\n", jsons);
  }

  /** Each envelope a {@link #joined} text holds, in order (one for a single envelope's text). */
  public static void eachLine(String text, Consumer<String> handler) {
    int from = 0;
    for (int newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', from)) {
      handler.accept(text.substring(from, newline));
      from = newline + 1;
    }
    handler.accept(from == 0 ? text : text.substring(from));
  }

  /** Each event a message on a session's address holds, in order: one, several (lines of text), or none for a body that is not an event. */
  public static void each(Object body, Consumer<SessionEvent> handler) {
    if (body instanceof String text) {
      eachLine(text, line -> handler.accept(of(line)));
      return;
    }
    SessionEvent event = fromBody(body);
    if (event != null) {
      handler.accept(event);
    }
  }

  /** Follows a session's events as they are published, one call per event. */
  public static MessageConsumer<Object> consumer(Vertx vertx, String sessionId, Handler<SessionEvent> handler) {
    return consumer(vertx, sessionId, handler, Runnable::run);
  }

  /**
   * Follows a session's events as they are published, one call per event; the events of one message
   * are handed over inside one call of {@code together} (a subscriber that writes them to a socket
   * flushes it once for all of them).
   */
  public static MessageConsumer<Object> consumer(Vertx vertx, String sessionId, Handler<SessionEvent> handler,
      Consumer<Runnable> together) {
    return vertx.eventBus().consumer(Addresses.sessionEvents(sessionId),
        m -> together.accept(() -> each(m.body(), handler::handle)));
  }

  /** The envelope's JSON text, exactly as stored. */
  public String json() {
    return json;
  }

  /** Its {@code seq}, or -1 when it has none. */
  public long seq() {
    return seq;
  }

  /** Its {@code type} ({@code stream}, {@code state}, {@code message}, {@code turn}, {@code workflow}), or null. */
  public String type() {
    if (type == null) {
      type = parsed != null ? (parsed.getValue("type") instanceof String t ? t : null) : JsonText.string(json, "type");
    }
    return type;
  }

  /** The envelope parsed (once); not to be modified. */
  public JsonObject toJson() {
    if (parsed == null) {
      parsed = new JsonObject(json);
    }
    return parsed;
  }

  @Override
  public String toString() {
    return json;
  }
}
