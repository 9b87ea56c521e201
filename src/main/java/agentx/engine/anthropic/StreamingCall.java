package agentx.engine.anthropic;

import agentx.config.Urls;
import agentx.engine.anthropic.AnthropicException.Kind;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The state machine behind one {@link StreamCall}: attempts, retries, the stall watchdog and cancel.
 * All of it runs on one Vert.x context, so plain fields need no locking; only the cancel flag is
 * written from other threads.
 */
final class StreamingCall implements StreamCall {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StreamingCall.class);
  private final Vertx vertx;
  private final Context context;
  private final HttpClient http;
  private final Supplier<RequestOptions> requestOptions;
  /** The request body, encoded for each attempt when its connection is there (see {@link AnthropicClient#stream}). */
  private final Supplier<Buffer> body;
  private final StreamListener listener;
  private final AnthropicOptions options;
  private final RetryPolicy retryPolicy;
  private final Promise<JsonObject> result = Promise.promise();

  /** Set at once by {@link #cancel()} from any thread, so that no listener callback follows it. */
  private volatile boolean cancelRequested;
  private boolean finished;
  private int retries;
  private long retryTimer = -1;
  /** The attempt whose events count; null between a failed attempt and its retry. */
  private Attempt attempt;
  /** Reading is held back by the consumer (see {@link #hold}). */
  private boolean held;

  StreamingCall(
      Vertx vertx,
      HttpClient http,
      Supplier<RequestOptions> requestOptions,
      Supplier<Buffer> body,
      StreamListener listener,
      AnthropicOptions options,
      RetryPolicy retryPolicy) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.http = http;
    this.requestOptions = requestOptions;
    this.body = body;
    this.listener = listener;
    this.options = options;
    this.retryPolicy = retryPolicy;
  }

  void start() {
    context.runOnContext(v -> newAttempt());
  }

  @Override
  public Future<JsonObject> result() {
    return result.future();
  }

  @Override
  public void hold(boolean hold) {
    if (held == hold) {
      return;
    }
    held = hold;
    Attempt current = attempt;
    if (current != null) {
      if (hold) {
        current.pause();
      } else {
        current.resume();
      }
    }
  }

  @Override
  public void cancel() {
    cancelRequested = true;
    if (Vertx.currentContext() == context) {
      cancelNow();
    } else {
      context.runOnContext(v -> cancelNow());
    }
  }

  private void cancelNow() {
    boolean streamed = attempt != null && attempt.accumulator.receivedContent();
    finish(null, new AnthropicException(Kind.CANCELLED, "The call to Claude was cancelled", 0, null, streamed, null));
  }

  private void newAttempt() {
    if (finished) {
      return;
    }
    attempt = new Attempt();
    attempt.run();
  }

  /** An attempt failed: wait and try again if that is allowed and safe, else fail the call. */
  private void attemptFailed(Attempt failed, AnthropicException error, boolean retryable, Long retryAfterMs) {
    // Detach first: the reset in close() fires the stream's exception handler synchronously, and a
    // detached attempt ignores it.
    attempt = null;
    failed.close();
    AnthropicException failure = error.withContentStreamed(failed.accumulator.receivedContent());
    if (!retryable || failure.contentStreamed() || retries >= options.maxRetries()) {
      finish(null, failure);
      return;
    }
    long delay = retryAfterMs != null ? retryAfterMs : retryPolicy.backoffMs(retries);
    retries++;
    // The timer is set before the listener hears of it, so a throwing listener cannot stall the call.
    retryTimer = vertx.setTimer(Math.max(1, delay), id -> {
      retryTimer = -1;
      newAttempt();
    });
    if (!cancelRequested) {
      listener.onRetry(retries, options.maxRetries(), delay, failure.redact(options.secrets()).getMessage());
    }
  }

  /**
   * Completes the result exactly once and releases the timer and the request. {@code finished} is
   * set first so that the handlers fired by the reset see a finished call.
   */
  private void finish(JsonObject message, AnthropicException error) {
    if (finished) {
      return;
    }
    finished = true;
    if (retryTimer != -1) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
    if (attempt != null) {
      attempt.close();
      attempt = null;
    }
    if (error != null) {
      result.tryFail(error.redact(options.secrets()));
    } else {
      result.tryComplete(message);
    }
  }

  /** One HTTP exchange. Its events are ignored as soon as it is no longer the current attempt. */
  private final class Attempt implements MessageAccumulator.Listener {
    private final MessageAccumulator accumulator = new MessageAccumulator(this);
    private final SseParser sse = new SseParser(accumulator::accept);
    private HttpClientRequest request;
    private boolean bodyStarted;
    private boolean responseEnded;
    private long watchdog = -1;
    /** The response whose body is read, once its headers said 2xx. */
    private HttpClientResponse response;
    /** A piece of the body received but not read yet, from {@link #unreadFrom}: reading was held back in it. */
    private byte[] unread;
    private int unreadFrom;
    /** The body ended while a piece of it was still unread. */
    private boolean endedUnread;
    /** Asked after each line: reading stops there when the consumer holds it back or the attempt is over. */
    private final BooleanSupplier stopReading = () -> held || !live();
    private long lastActivityNanos;

    void run() {
      touch();
      http.request(requestOptions.get()).onComplete(created -> {
        if (created.failed()) {
          connectionFailed(created.cause());
          return;
        }
        request = created.result();
        // failures reach us through send()'s future and the response stream; a reset of our own (cancel,
        // the end of a finished attempt) would otherwise be logged by Vert.x as an ERROR
        request.exceptionHandler(e -> log.debug("Messages API request ended: {}", e.getMessage()));
        if (!live()) {
          request.reset(); // cancelled while connecting
          return;
        }
        request.send(body.get()).onComplete(sent -> {
          if (sent.failed()) {
            connectionFailed(sent.cause());
          } else {
            onResponse(sent.result());
          }
        });
      });
    }

    /** Stops the watchdog and aborts the exchange unless its response already ended cleanly. */
    void close() {
      if (watchdog != -1) {
        vertx.cancelTimer(watchdog);
        watchdog = -1;
      }
      if (request != null && !responseEnded) {
        request.reset();
      }
    }

    private boolean live() {
      return attempt == this && !finished;
    }

    private void onResponse(HttpClientResponse response) {
      if (!live()) {
        return;
      }
      touch();
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        streamBody(response);
      } else {
        readError(response);
      }
    }

    // Piece by piece as it arrives, one line at a time with back-pressure; the body is never buffered whole.
    private void streamBody(HttpClientResponse response) {
      this.response = response;
      response.exceptionHandler(this::bodyFailed);
      response.endHandler(v -> {
        if (unread != null) {
          endedUnread = true; // after what is left is read
        } else {
          bodyEnded();
        }
      });
      response.handler(this::onPiece);
      if (held) {
        response.pause();
      }
    }

    private void onPiece(Buffer piece) {
      byte[] bytes = piece.getBytes();
      if (unread != null) {
        // a piece already on its way when reading was held back: it waits behind the unread one
        byte[] joined = Arrays.copyOfRange(unread, unreadFrom, unread.length + bytes.length);
        System.arraycopy(bytes, 0, joined, unread.length - unreadFrom, bytes.length);
        unread = joined;
        unreadFrom = 0;
      } else if (held) {
        unread = bytes;
        unreadFrom = 0;
      } else {
        read(bytes, 0);
      }
    }

    private void read(byte[] bytes, int from) {
      if (!live()) {
        return;
      }
      touch();
      try {
        if (!bodyStarted) {
          bodyStarted = true;
          if (!cancelRequested) {
            listener.onFirstByte();
          }
        }
        int stopped = sse.feed(bytes, from, bytes.length, stopReading);
        if (stopped < bytes.length && live()) {
          unread = bytes;
          unreadFrom = stopped;
        }
      } catch (AnthropicException e) {
        attemptFailed(this, e, false, null);
      } catch (RuntimeException e) {
        // a listener threw: the call cannot go on sanely, but the result must still complete
        attemptFailed(this, new AnthropicException(
            Kind.UPSTREAM, "Handling Claude's stream failed: " + e, 0, null, false, e), false, null);
      }
    }

    void pause() {
      if (response != null) {
        response.pause();
      }
    }

    /** Reads what was left unread, then lets the body flow again unless reading was held back once more. */
    void resume() {
      if (response == null) {
        return;
      }
      if (unread != null) {
        byte[] bytes = unread;
        unread = null;
        read(bytes, unreadFrom);
        if (unread != null || held) {
          return;
        }
      }
      if (endedUnread) {
        endedUnread = false;
        bodyEnded();
      } else {
        response.resume();
      }
    }

    private void bodyEnded() {
      responseEnded = true;
      if (!live()) {
        return;
      }
      sse.end();
      if (accumulator.complete()) {
        finish(accumulator.message(), null);
      } else {
        attemptFailed(this, new AnthropicException(
            Kind.INCOMPLETE_STREAM, "Claude's stream ended before message_stop: the answer is incomplete"), false, null);
      }
    }

    private void bodyFailed(Throwable cause) {
      if (!live()) {
        return;
      }
      if (accumulator.complete()) {
        responseEnded = true; // the answer is whole; only the connection's goodbye went wrong
        finish(accumulator.message(), null);
      } else if (!bodyStarted) {
        connectionFailed(cause);
      } else {
        attemptFailed(this, new AnthropicException(
            Kind.INCOMPLETE_STREAM, "The connection to Claude broke mid-answer: " + describe(cause),
            0, null, false, cause), false, null);
      }
    }

    private void readError(HttpClientResponse response) {
      int status = response.statusCode();
      response.body().onComplete(read -> {
        responseEnded = read.succeeded();
        if (!live()) {
          return;
        }
        String text = read.succeeded() ? read.result().toString(StandardCharsets.UTF_8) : "";
        Long retryAfter = RetryPolicy.retryAfterMs(response.headers(), Instant.now());
        boolean retryable = RetryPolicy.isRetryable(status, response.headers())
            && (retryAfter == null || retryAfter <= RetryPolicy.MAX_RETRY_AFTER_MS);
        attemptFailed(this, AnthropicException.fromHttpError(status, text, retryAfter), retryable, retryAfter);
      });
    }

    private void connectionFailed(Throwable cause) {
      if (!live()) {
        return;
      }
      attemptFailed(this, new AnthropicException(
          Kind.CONNECTION, "Could not reach Claude at " + Urls.withoutCredentials(options.baseUrl()) + ": " + describe(cause),
          0, null, false, cause), true, null);
    }

    // The stall watchdog: one timer that re-arms itself for the rest of the idle window, rather
    // than a new timer per received line.
    private void touch() {
      lastActivityNanos = System.nanoTime();
      if (watchdog == -1) {
        armWatchdog(options.idleTimeoutMs());
      }
    }

    private void armWatchdog(long delayMs) {
      watchdog = vertx.setTimer(delayMs, id -> {
        watchdog = -1;
        if (!live()) {
          return;
        }
        if (held) {
          lastActivityNanos = System.nanoTime(); // waiting on our side is not Claude stalling
        }
        long quietMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastActivityNanos);
        if (quietMs < options.idleTimeoutMs()) {
          armWatchdog(options.idleTimeoutMs() - quietMs);
        } else {
          stalled();
        }
      });
    }

    private void stalled() {
      if (accumulator.complete()) {
        finish(accumulator.message(), null); // the server never closed after message_stop
        return;
      }
      attemptFailed(this, new AnthropicException(
          Kind.TIMEOUT, "Claude sent nothing for " + options.idleTimeoutMs() + " ms", 0, null, false, null),
          !bodyStarted, null);
    }

    private static String describe(Throwable cause) {
      return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    @Override
    public void onMessageStart(JsonObject message) {
      if (audible()) {
        listener.onMessageStart(message);
      }
    }

    @Override
    public void onTextDelta(String text) {
      if (audible()) {
        listener.onTextDelta(text);
      }
    }

    @Override
    public void onThinkingDelta(String text) {
      if (audible()) {
        listener.onThinkingDelta(text);
      }
    }

    @Override
    public void onToolInputDelta(String partialJson) {
      if (audible()) {
        listener.onToolInputDelta(partialJson);
      }
    }

    @Override
    public void onToolUseStart(String id, String name) {
      if (audible()) {
        listener.onToolUseStart(id, name);
      }
    }

    private boolean audible() {
      return live() && !cancelRequested;
    }
  }
}
