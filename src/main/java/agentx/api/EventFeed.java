package agentx.api;

import agentx.protocol.EventQuery;
import agentx.protocol.SessionEvent;
import agentx.protocol.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's events for one client, in {@code seq} order, each exactly once: the persisted log
 * after a given seq, then the live tail. It subscribes first and reads the store second, holding
 * live events back meanwhile, so nothing published in between is lost; duplicates are dropped by
 * seq. A live event that skips ahead (a gap) makes it read the store again before going on.
 */
final class EventFeed {
  private static final Logger log = LoggerFactory.getLogger(EventFeed.class);
  private static final int PAGE = 500;

  private final Vertx vertx;
  private final StoreClient store;
  private final String sessionId;
  private final Consumer<SessionEvent> sink;
  private long lastSent;
  private boolean replaying;
  private final Deque<SessionEvent> held = new ArrayDeque<>();
  private MessageConsumer<Object> consumer;
  private boolean closed;
  private Supplier<Future<Void>> readyForMore = Future::succeededFuture;
  private Consumer<Runnable> together = Runnable::run;

  /** @param after replay events with seq greater than this; negative for the live tail only */
  EventFeed(Vertx vertx, StoreClient store, String sessionId, long after, Consumer<SessionEvent> sink) {
    this.vertx = vertx;
    this.store = store;
    this.sessionId = sessionId;
    this.sink = sink;
    this.lastSent = after;
  }

  /**
   * Replays the next page of the log only once {@code ready} says the client took the previous one,
   * so a long replay to a slow client is paced by the client rather than buffered.
   */
  EventFeed pacedBy(Supplier<Future<Void>> ready) {
    this.readyForMore = ready;
    return this;
  }

  /**
   * Hands over the events that come together (one published message, one page of the log) inside
   * one call of {@code together}, so the client's socket can flush once for all of them
   * ({@link FlushTogether}).
   */
  EventFeed writtenTogetherBy(Consumer<Runnable> together) {
    this.together = together;
    return this;
  }

  Future<Void> start() {
    consumer = SessionEvent.consumer(vertx, sessionId, this::onLive, together);
    return consumer.completion().onSuccess(v -> {
      if (lastSent >= 0) {
        replay();
      }
    });
  }

  void close() {
    closed = true;
    if (consumer != null) {
      consumer.unregister();
    }
  }

  private void onLive(SessionEvent event) {
    if (closed || event.seq() < 0) {
      return;
    }
    if (replaying) {
      held.add(event);
      return;
    }
    long seq = event.seq();
    if (lastSent < 0) {
      lastSent = seq - 1; // live only: start at the first event seen
    }
    if (seq <= lastSent) {
      return;
    }
    if (seq > lastSent + 1) {
      held.add(event);
      replay();
      return;
    }
    send(event);
  }

  private void send(SessionEvent event) {
    lastSent = event.seq();
    sink.accept(event);
  }

  /** Reads the store after {@link #lastSent} page by page, then releases the held live events. */
  private void replay() {
    replaying = true;
    long from = lastSent;
    store.events(new EventQuery(sessionId, from, PAGE))
        .onComplete(page -> {
          if (closed) {
            return;
          }
          if (page.failed()) {
            log.warn("Replay of session {} after seq {} failed: {}", sessionId, from, page.cause().getMessage());
          }
          List<String> envelopes = page.succeeded() ? page.result().envelopes() : List.of();
          together.accept(() -> {
            for (String envelope : envelopes) {
              SessionEvent event = SessionEvent.of(envelope);
              if (event.seq() > lastSent) {
                send(event);
              }
            }
          });
          if (envelopes.size() == PAGE) {
            readyForMore.get().onComplete(ready -> {
              if (!closed) {
                replay();
              }
            });
            return;
          }
          replaying = false;
          together.accept(this::releaseHeld);
        });
  }

  private void releaseHeld() {
    while (!held.isEmpty() && !replaying) {
      SessionEvent event = held.poll();
      long seq = event.seq();
      if (seq <= lastSent) {
        continue;
      }
      if (seq > lastSent + 1) {
        // The store had nothing more: the gap is real (events lost to a failed write). Move on rather than stall.
        log.warn("Session {}: events {}..{} are missing from the log", sessionId, lastSent + 1, seq - 1);
      }
      send(event);
    }
  }
}
