package agentx.store;

import agentx.protocol.TurnProgress;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Group commit across sessions: while one append transaction is being written, the appends that
 * arrive (from any number of sessions' turns) wait, and the next transaction writes them all. A
 * thousand streaming sessions then cost a few transactions per round on SQLite's single writer,
 * not a thousand. If a combined transaction fails (one session was deleted, say), each request is
 * written again on its own, so one bad request never fails the others.
 */
final class EventAppender {
  /** Envelopes per combined transaction at most; more wait for the next one. */
  static final int MAX_GROUP = 4_000;

  /** @param progress a running turn's figures as its Claude call started, or null ({@link EventRepository#append(List, List, Consumer)}) */
  private record Request(List<String> envelopes, TurnProgress progress, Promise<List<EventRepository.Appended>> stored) {
    List<TurnProgress> progressList() {
      return progress == null ? List.of() : List.of(progress);
    }
  }

  private final EventRepository events;
  private final Consumer<List<EventRepository.Appended>> committed;
  private final int maxInFlight;
  /** First in, first out: taking the first request moves nothing (a list shifted all the others each time). */
  private final Deque<Request> waiting = new ArrayDeque<>();
  private int inFlight;
  /** A task that starts the next transaction is queued on the caller's context. */
  private boolean scheduled;

  /**
   * @param maxInFlight combined transactions written at once: 1 on SQLite (one writer anyway); more on
   *     PostgreSQL, whose transactions wait on network round trips rather than on each other. A session's
   *     appends stay in order either way: its event log sends the next only once the previous is stored.
   * @param committed told each committed transaction's envelopes, on the thread that wrote them, before
   *     the requests are answered (see {@link EventRepository#append(List, Consumer)})
   */
  EventAppender(EventRepository events, int maxInFlight, Consumer<List<EventRepository.Appended>> committed) {
    this.events = events;
    this.committed = committed;
    this.maxInFlight = Math.max(1, maxInFlight);
  }

  /**
   * Completes with the envelopes as stored (with their {@code seq}), in the order given, once committed.
   * Call it on one context only. The transaction is started by a task queued on that context, so the
   * requests already waiting there (those that arrived while the last one was written) go in it too:
   * on a worker context the write itself runs on that thread, and nothing else would gather them.
   */
  Future<List<EventRepository.Appended>> append(List<String> envelopes) {
    return append(envelopes, null);
  }

  /** {@link #append(List)}, with a running turn's figures to record in the same transaction (or null). */
  Future<List<EventRepository.Appended>> append(List<String> envelopes, TurnProgress progress) {
    Promise<List<EventRepository.Appended>> stored = Promise.promise();
    waiting.add(new Request(envelopes, progress, stored));
    if (inFlight < maxInFlight && !scheduled) {
      Context context = Vertx.currentContext();
      if (context == null) {
        writeNext();
      } else {
        scheduled = true;
        context.runOnContext(v -> {
          scheduled = false;
          while (inFlight < maxInFlight && !waiting.isEmpty()) {
            writeNext();
          }
        });
      }
    }
    return stored.future();
  }

  private void writeNext() {
    if (waiting.isEmpty()) {
      return;
    }
    inFlight++;
    List<Request> group = new ArrayList<>();
    List<String> all = new ArrayList<>();
    List<TurnProgress> progress = new ArrayList<>();
    while (!waiting.isEmpty() && (group.isEmpty() || all.size() + waiting.peekFirst().envelopes().size() <= MAX_GROUP)) {
      Request next = waiting.pollFirst();
      group.add(next);
      all.addAll(next.envelopes());
      if (next.progress() != null) {
        progress.add(next.progress());
      }
    }
    events.append(all, progress, committed).onComplete(done -> {
      if (done.succeeded()) {
        int from = 0;
        for (Request request : group) {
          int to = from + request.envelopes().size();
          request.stored().complete(done.result().subList(from, to));
          from = to;
        }
        inFlight--;
        writeNext();
      } else if (group.size() == 1) {
        group.get(0).stored().fail(done.cause());
        inFlight--;
        writeNext();
      } else {
        // one request may have spoiled the group: write each on its own, in order
        Future<Void> chain = Future.succeededFuture();
        for (Request request : group) {
          chain = chain.transform(v -> events.append(request.envelopes(), request.progressList(), committed)
              .onComplete(alone -> {
                if (alone.succeeded()) {
                  request.stored().complete(alone.result());
                } else {
                  request.stored().fail(alone.cause());
                }
              }).transform(ignored -> Future.succeededFuture()));
        }
        chain.onComplete(v -> {
          inFlight--;
          writeNext();
        });
      }
    });
  }
}
