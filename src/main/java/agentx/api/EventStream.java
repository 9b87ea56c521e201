package agentx.api;

import agentx.events.Metrics;
import agentx.protocol.StoreClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import agentx.protocol.SessionEvent;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/agentx/sessions/{id}/events/stream}: a session's events as Server-Sent Events,
 * each {@code id: <seq>}, {@code event: <type>}, {@code data: <envelope>}. It resumes after the
 * {@code Last-Event-ID} header (what {@code EventSource} sends on reconnect) or {@code ?after=N};
 * with neither it follows the live tail only. The order and exactly-once guarantee are
 * {@link EventFeed}'s, the same as the WebSocket's. An idle stream gets {@code : ping} comments.
 *
 * <p>The client's backlog is bounded: while the socket cannot take more, events wait in a queue of
 * at most {@code maxQueued}; a client that falls further behind is disconnected (it resumes with
 * {@code Last-Event-ID}) rather than the server buffering for it without limit.
 */
final class EventStream {
  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";
  /** A batch's events are written in chunks of about this size (half of Netty's default high-water mark), or of {@link #chunkEvents}. */
  static final int CHUNK_BYTES = 32 * 1024;

  private final Vertx vertx;
  private final StoreClient store;
  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final String sessionId;
  private final long after;
  private final long heartbeatMs;
  private final int maxQueued;
  /** Events in one chunk at most: a quarter of {@code maxQueued}, so one chunk never fills the client's queue alone. */
  private final int chunkEvents;
  /** Chunks the client has not taken yet, each with the number of events in it. */
  private final Deque<Chunk> backlog = new ArrayDeque<>();
  /** Events in {@link #backlog}. */
  private int backlogEvents;
  /** While a batch is handed over (one publication, one page of the log): its events, written as one chunk at its end. */
  private Buffer batch;
  private int batchEvents;
  private EventFeed feed;

  /** Text of {@code events} SSE events, written to the client as one HTTP chunk. */
  private record Chunk(Buffer bytes, int events) {}

  private long heartbeatTimer = -1;
  private long lastWriteNanos = System.nanoTime();
  private boolean closed;
  private Promise<Void> drained;

  /** @param after replay events with seq greater than this; negative for the live tail only */
  EventStream(Vertx vertx, StoreClient store, RoutingContext ctx, String sessionId, long after, long heartbeatMs, int maxQueued) {
    this.vertx = vertx;
    this.store = store;
    this.ctx = ctx;
    this.response = ctx.response();
    this.sessionId = sessionId;
    this.after = after;
    this.heartbeatMs = heartbeatMs;
    this.maxQueued = maxQueued;
    this.chunkEvents = Math.max(1, maxQueued / 4);
  }

  /** Checks the session (a 404 JSON answer when it does not exist), then opens the stream. */
  void open() {
    store.session(sessionId).onComplete(found -> {
      if (found.failed()) {
        HttpErrors.send(ctx, found.cause());
        return;
      }
      if (response.closed()) {
        return;
      }
      response.setStatusCode(200)
          .putHeader("Content-Type", CONTENT_TYPE)
          .putHeader("Cache-Control", "no-cache")
          .putHeader("X-Accel-Buffering", "no") // proxies such as nginx must not hold events back
          .setChunked(true);
      response.closeHandler(v -> close());
      response.exceptionHandler(e -> close());
      Metrics.of(vertx).streamClientOpened(Metrics.SSE);
      // the headers and a first comment go out at once, so a client knows the stream is open
      write(Buffer.buffer(": stream of session " + sessionId + "\n\n"));
      Consumer<Runnable> flushTogether = FlushTogether.on(ctx.request().connection());
      feed = new EventFeed(vertx, store, sessionId, after, this::onEvent).pacedBy(this::drained)
          .writtenTogetherBy(events -> flushTogether.accept(() -> inOneChunk(events)));
      feed.start().onFailure(e -> {
        log.warn("SSE stream of session {} could not follow it: {}", sessionId, e.getMessage());
        close();
        disconnect();
      });
      if (heartbeatMs > 0) {
        heartbeatTimer = vertx.setPeriodic(heartbeatMs, t -> {
          if (System.nanoTime() - lastWriteNanos >= heartbeatMs * 1_000_000L && backlog.isEmpty()) {
            write(Buffer.buffer(": ping\n\n"));
          }
        });
      }
    });
  }

  /** One envelope as one SSE event (its stored JSON text is a single line: the encoders escape newlines). */
  static Buffer format(Buffer into, SessionEvent envelope) {
    return into.appendString("id: ").appendString(Long.toString(envelope.seq())).appendString("\nevent: ").appendString(envelope.type())
        .appendString("\ndata: ").appendString(envelope.json()).appendString("\n\n");
  }

  /**
   * Runs {@code events} (the feed handing over a batch) gathering their SSE text, then writes it as one
   * chunk (or a few, see {@link #CHUNK_BYTES}): a stream of events is a stream of bytes, so a publication
   * of a hundred tokens costs one HTTP chunk and one buffer, not a hundred (a WebSocket must send a frame each).
   */
  private void inOneChunk(Runnable events) {
    if (batch != null) {
      events.run();
      return;
    }
    batch = Buffer.buffer(1024);
    batchEvents = 0;
    try {
      events.run();
    } finally {
      Buffer gathered = batch;
      int count = batchEvents;
      batch = null;
      if (count > 0) {
        send(gathered, count);
      }
    }
  }

  private void onEvent(SessionEvent envelope) {
    if (closed) {
      return;
    }
    if (batch != null) {
      format(batch, envelope);
      batchEvents++;
      if (batch.length() >= CHUNK_BYTES || batchEvents >= chunkEvents) {
        // a large batch leaves in chunks, so a slow client's full queue is noticed about as early as event by
        // event, and a chunk is at most a quarter of the events it may fall behind
        send(batch, batchEvents);
        batch = Buffer.buffer(1024);
        batchEvents = 0;
      }
      return;
    }
    send(format(Buffer.buffer(envelope.json().length() + 64), envelope), 1);
  }

  /** Writes {@code events} events' text, or queues it behind what the client has not taken yet. */
  private void send(Buffer events, int count) {
    if (closed) {
      return;
    }
    if (!backlog.isEmpty() || response.writeQueueFull()) {
      if (backlogEvents + count > maxQueued) {
        log.info("SSE client of session {} fell {} events behind and is disconnected (it can resume from Last-Event-ID)",
            sessionId, backlogEvents + count);
        close();
        disconnect();
        return;
      }
      backlog.add(new Chunk(events, count));
      backlogEvents += count;
      response.drainHandler(v -> flush());
      return;
    }
    write(events);
  }

  private void flush() {
    while (!backlog.isEmpty() && !response.writeQueueFull() && !closed) {
      Chunk next = backlog.poll();
      write(next.bytes());
      backlogEvents -= next.events();
    }
    if (backlog.isEmpty() && drained != null) {
      Promise<Void> waiting = drained;
      drained = null;
      waiting.tryComplete();
    }
  }

  /** Completes once the backlog is written out: the replay reads its next page then. */
  private Future<Void> drained() {
    if (backlog.isEmpty() || closed) {
      return Future.succeededFuture();
    }
    if (drained == null) {
      drained = Promise.promise();
    }
    return drained.future();
  }

  private void write(Buffer data) {
    if (!closed && !response.closed()) {
      lastWriteNanos = System.nanoTime();
      response.write(data);
    }
  }

  /** Drops the client without flushing what is buffered for it: its HTTP/1 connection, or its HTTP/2 stream. */
  private void disconnect() {
    if (ctx.request().version() == HttpVersion.HTTP_2) {
      response.reset();
    } else {
      ctx.request().connection().close();
    }
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    backlog.clear();
    backlogEvents = 0;
    if (feed != null) {
      feed.close();
      Metrics.of(vertx).streamClientClosed(Metrics.SSE);
    }
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
  }
}
