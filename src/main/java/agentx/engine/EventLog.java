package agentx.engine;

import agentx.protocol.Addresses;
import agentx.protocol.Bus;
import agentx.events.Events;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events of one turn: numbers them (per-session {@code seq}, +1 each), persists them, then
 * publishes them. Persist-then-publish is a group commit: while one batch is being written, new
 * events queue up and go in the next batch, so a fast token stream costs one write per batch, not
 * per token. Because nothing is published before it is stored, a client that subscribes and then
 * reads the store can never miss an event, and a seq seen by anyone is never reused after a crash.
 */
final class EventLog {
  private static final Logger log = LoggerFactory.getLogger(EventLog.class);

  private final Vertx vertx;
  private final String sessionId;
  private final String turnId;
  private final String address;
  private long lastSeq;
  private List<JsonObject> pending = new ArrayList<>();
  private boolean writing;
  private final List<Promise<Void>> drainWaiters = new ArrayList<>();

  EventLog(Vertx vertx, String sessionId, String turnId, long lastSeq) {
    this.vertx = vertx;
    this.sessionId = sessionId;
    this.turnId = turnId;
    this.lastSeq = lastSeq;
    this.address = Addresses.sessionEvents(sessionId);
  }

  /** Queues one event; it is stored and published in order, as soon as the previous batch is written. */
  void emit(String type, Object data) {
    emit(Events.envelope(type, sessionId, turnId, ++lastSeq, data));
  }

  /** A thinking token, when the session asked for them: a {@code stream} event marked {@code kind:"thinking"} (DESIGN §4.2). */
  void emitThinking(String text) {
    emit(Events.envelope(Events.STREAM, sessionId, turnId, ++lastSeq, text).put("kind", "thinking"));
  }

  private void emit(JsonObject envelope) {
    pending.add(envelope);
    if (!writing) {
      writeBatch();
    }
  }

  /** Completes once every event emitted so far is stored and published. */
  Future<Void> drain() {
    if (!writing && pending.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    drainWaiters.add(promise);
    return promise.future();
  }

  private void writeBatch() {
    List<JsonObject> batch = pending;
    pending = new ArrayList<>();
    writing = true;
    Bus.request(vertx, Addresses.STORE_EVENT_APPEND, new JsonObject().put("events", new JsonArray(new ArrayList<>(batch))))
        .onComplete(stored -> {
          if (stored.failed()) {
            // Live clients still get the events; only a later replay would miss them. Say so loudly.
            log.error("Could not persist {} event(s) of session {}: {}", batch.size(), sessionId, stored.cause().getMessage());
          }
          for (JsonObject envelope : batch) {
            vertx.eventBus().publish(address, envelope);
          }
          if (!pending.isEmpty()) {
            writeBatch();
          } else {
            writing = false;
            List<Promise<Void>> waiters = new ArrayList<>(drainWaiters);
            drainWaiters.clear();
            waiters.forEach(Promise::tryComplete);
          }
        });
  }
}
