package agentx.engine;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.protocol.AppendEvents;
import agentx.protocol.StoreClient;
import agentx.protocol.TurnProgress;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events of one turn on their way to the store, which numbers, stores and then publishes them.
 * A group commit: while one batch is being written, new events queue up and go in the next batch, so
 * a fast token stream costs one write per batch, not per token, and the order is kept. A batch leaves
 * when the event-loop task that emitted its first event ends, so events emitted together travel together.
 *
 * <p>When a batch cannot be stored, none of it is published (the store publishes only what it
 * committed), the queued events are dropped and {@code onStoreFailure} is told, so the turn ends as
 * failed; only the closing events are then tried again ({@link #reopen}).
 */
final class EventLog {
  private static final Logger log = LoggerFactory.getLogger(EventLog.class);

  private final StoreClient store;
  private final String sessionId;
  private final String turnId;
  private final Consumer<AgentXException> onStoreFailure;
  private final List<String> pending = new ArrayList<>();
  private boolean writing;
  private boolean broken;
  private boolean sealed;
  private final List<Promise<Void>> drainWaiters = new ArrayList<>();
  /** The turn's figures as its running Claude call started, for the next append; null when none waits. */
  private TurnProgress progress;
  /** Told true when the backlog passes {@link #HIGH_WATER} events, false when it is written down to {@link #LOW_WATER}. */
  private Consumer<Boolean> backlogListener = b -> { };
  private boolean backlogHigh;

  /**
   * Events waiting for the store at which the producer (Claude's stream) is held back; it reads again once they are
   * down to {@link #LOW_WATER}. What is held back waits in the TCP window, not in the heap. At 256 (until round
   * thirty-five of docs/PERFORMANCE.md) a store behind 1,000 streams held tens of thousands of events in memory, which
   * young collections promoted and the heap grew for; at 64 the same events/s, half the unpaced tail latency.
   */
  static final int HIGH_WATER = 64;
  static final int LOW_WATER = 16;

  EventLog(StoreClient store, String sessionId, String turnId, Consumer<AgentXException> onStoreFailure) {
    this.store = store;
    this.sessionId = sessionId;
    this.turnId = turnId;
    this.onStoreFailure = onStoreFailure;
  }

  /** Queues one event; it is stored and published in order, as soon as the previous batch is written. */
  void emit(String type, Object data) {
    // a token's draft is written as text directly; other events are rare and built as objects
    emit(data instanceof String text ? Events.draftText(type, sessionId, turnId, text, null)
        : Events.draft(type, sessionId, turnId, data).encode());
  }

  /** A thinking token, when the session asked for them: a {@code stream} event marked {@code kind:"thinking"} (DESIGN §4.2). */
  void emitThinking(String text) {
    emit(Events.draftText(Events.STREAM, sessionId, turnId, text, "thinking"));
  }

  /** @param draft the envelope without {@code seq}, encoded once here: the store numbers, stores and publishes this text */
  private void emit(String draft) {
    if (broken || sealed) {
      return;
    }
    pending.add(draft);
    if (!writing) {
      // the batch leaves once the code that emitted this event is done: what one step emits together (the
      // "responding" state and the first token, the answer and the "done" state) goes in one append, not
      // the first event alone and the rest after a round trip to the store
      writing = true;
      Context context = Vertx.currentContext();
      if (context == null) {
        writeBatch();
      } else {
        context.runOnContext(v -> writeBatch());
      }
    }
    checkBacklog();
  }

  /**
   * Records the turn's figures with the next events (in their transaction): a Claude call's start is followed by
   * its first events within milliseconds, and its figures while it streams come with a token, unless it thinks
   * without streaming its thinking or writes a tool's input; then they go alone after {@link #PROGRESS_ALONE_MS}.
   * A later figure replaces one not yet sent.
   */
  void recordProgress(TurnProgress figures) {
    if (broken || sealed) {
      return;
    }
    progress = figures;
    Context context = Vertx.currentContext();
    if (context == null) {
      if (!writing) {
        writeBatch();
      }
      return;
    }
    writeAloneLater(context.owner(), figures);
  }

  private void writeAloneLater(Vertx vertx, TurnProgress figures) {
    vertx.setTimer(PROGRESS_ALONE_MS, t -> {
      if (progress != figures || broken || sealed) {
        return; // gone with events, replaced by later figures, or given up
      }
      if (writing) {
        writeAloneLater(vertx, figures); // a batch is on its way: these go with the next events, or alone after it
      } else {
        writeBatch();
      }
    });
  }

  /** How long a call's start figures wait for events to go with before they are written alone. */
  static final long PROGRESS_ALONE_MS = 50;

  /** Back-pressure: {@code listener} is told to hold (true) or resume (false) whatever produces the events. */
  void onBacklog(Consumer<Boolean> listener) {
    this.backlogListener = listener;
  }

  boolean backlogHigh() {
    return backlogHigh;
  }

  private void checkBacklog() {
    if (!backlogHigh && pending.size() >= HIGH_WATER) {
      backlogHigh = true;
      backlogListener.accept(true);
    } else if (backlogHigh && pending.size() <= LOW_WATER) {
      backlogHigh = false;
      backlogListener.accept(false);
    }
  }

  /**
   * The turn was handed over (its engine is stopping): what was emitted is still stored, nothing more is taken.
   * {@code last}, when not null, is the turn's figures as it is left (a Claude call cut off counted in them), stored
   * by {@link #drain} as any figures given: the resuming engine starts from them.
   */
  void seal(TurnProgress last) {
    if (last != null && !broken) {
      progress = last;
    }
    sealed = true;
  }

  /** After a store failure: lets the turn's closing events be tried (the store may be back). */
  void reopen() {
    broken = false;
  }

  /**
   * Completes once every event emitted and every figure given so far is stored (or dropped after a store failure):
   * figures waiting for events to go with do not wait any longer, now or after the batch on its way.
   */
  Future<Void> drain() {
    if (!writing && progress != null) {
      writeBatch();
    }
    if (!writing && pending.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    drainWaiters.add(promise);
    return promise.future();
  }

  private void writeBatch() {
    // The batch is a fresh list that never changes, and the long-lived one is emptied for the next events. A list
    // that survived a young collection (a long turn's, under a backlog) and then took new events would otherwise,
    // once written and dead in the old generation, keep those events alive through every young collection
    // until the old generation is next collected ("GC nepotism"; docs/PERFORMANCE.md, round nine).
    List<String> batch = new ArrayList<>(pending);
    pending.clear();
    TurnProgress figures = progress;
    progress = null;
    writing = true;
    checkBacklog();
    store.appendEvents(new AppendEvents(batch, figures)).onComplete(stored -> {
      if (stored.failed()) {
        broken = true;
        pending.clear();
        progress = null;
        if (ErrorCode.of(stored.cause()) == ErrorCode.SESSION_NOT_FOUND) {
          // deleted while its turn ran: nothing is wrong with the store, and the turn has nowhere to go
          log.info("Session {} was deleted while turn {} ran; the turn stops", sessionId, turnId);
          onStoreFailure.accept(new AgentXException(ErrorCode.SESSION_NOT_FOUND, "The session was deleted while this turn ran."));
        } else {
          log.error("Could not store {} event(s){} of turn {} in session {}: {}", batch.size(),
              figures == null ? "" : " and the turn's usage so far", turnId, sessionId, stored.cause().getMessage());
          onStoreFailure.accept(new AgentXException(ErrorCode.STORE_UNAVAILABLE,
              "The session store could not save this turn's events, so the turn was stopped: " + stored.cause().getMessage()));
        }
      }
      if (!pending.isEmpty() || (progress != null && !drainWaiters.isEmpty())) {
        writeBatch(); // figures a drain waits for go now, not with events that may not come
      } else {
        writing = false;
        List<Promise<Void>> waiters = new ArrayList<>(drainWaiters);
        drainWaiters.clear();
        waiters.forEach(Promise::tryComplete);
      }
    });
  }
}
