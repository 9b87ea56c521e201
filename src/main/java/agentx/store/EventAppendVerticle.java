package agentx.store;

import agentx.protocol.Addresses;
import agentx.protocol.AppendEvents;
import agentx.protocol.Serving;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * Serves {@code agentx.store.event.append} on a worker context of its own, deployed by the store on
 * SQLite: when the writer is free, the group commit is written right there, on the thread the request
 * arrived on, instead of being handed from the store's event loop to a worker thread. Every hand-over
 * between threads is a wake-up of a sleeping thread (0.1 ms typical, about 1 ms at the 99th
 * percentile on a 2-core VM), and a token's way from Claude to a client had three: engine loop →
 * store loop → worker → HTTP loop. Now it has two. Requests that arrive while a transaction is
 * written wait on this context and go together in the next one (see {@link EventAppender}). An
 * append queued behind another write starts when that one ends, from the thread that ends it: on an
 * event loop that is a worker thread again ({@link Database#writeEvents}). A turn write queued
 * behind an append starts from this context but is handed to a worker thread: run here, a run of
 * them would keep the next append requests from reaching the queue.
 */
final class EventAppendVerticle extends VerticleBase {
  private final Function<JsonObject, Future<JsonObject>> handler;

  /** @param handler answers one append request; called on this verticle's worker context only */
  EventAppendVerticle(Function<JsonObject, Future<JsonObject>> handler) {
    this.handler = handler;
  }

  @Override
  public Future<?> start() {
    return Serving.serve(vertx, Addresses.STORE_EVENT_APPEND, handler).completion();
  }
}
