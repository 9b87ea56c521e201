package agentx.api;

import agentx.events.AgentXException;
import agentx.events.Metrics;
import agentx.protocol.EngineClient;
import agentx.protocol.SessionEvent;
import agentx.protocol.StoreClient;
import agentx.events.ErrorCode;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code WS /api/agentx/sessions/{id}/stream?after=N}: one event envelope per text frame; client
 * frames {@code message}, {@code cancel}, {@code ping}. A bad frame gets an error frame and the
 * socket stays open. Idle sockets are pinged (heartbeat).
 */
final class StreamSocket {
  private static final Logger log = LoggerFactory.getLogger(StreamSocket.class);
  static final short CLOSE_BAD_SESSION_ID = 4400;
  static final short CLOSE_UNKNOWN_SESSION = 4404;
  static final short CLOSE_TOO_BIG = 1009;
  /** The client reads too slowly: its socket is closed rather than buffering without bound; it resumes with ?after=. */
  static final short CLOSE_TOO_SLOW = 4429;
  /** Frames written while the socket's write queue stays full before the client is called too slow. */
  static final int MAX_CONGESTED_FRAMES = 4_096;

  private final Vertx vertx;
  private final StoreClient store;
  private final EngineClient engine;
  private final ServerWebSocket ws;
  private final String sessionId;
  private final long after;
  private final long heartbeatMs;
  /** Runs the writes of events that come together so the socket flushes once ({@link FlushTogether}). */
  private final Consumer<Runnable> together;
  private EventFeed feed;
  private long heartbeatTimer = -1;
  private long lastWriteNanos = System.nanoTime();

  StreamSocket(Vertx vertx, StoreClient store, EngineClient engine, ServerWebSocket ws, String sessionId, long after, long heartbeatMs,
      Consumer<Runnable> together) {
    this.vertx = vertx;
    this.store = store;
    this.engine = engine;
    this.ws = ws;
    this.sessionId = sessionId;
    this.after = after;
    this.heartbeatMs = heartbeatMs;
    this.together = together;
  }

  /**
   * Whether a WebSocket's failure is a message over {@code AGENTX_MAX_WS_MESSAGE_BYTES}: Vert.x drops such a
   * message when its frames add up past the limit (an IllegalStateException), and Netty's decoder refuses one
   * frame past it (as a browser sends a big message) without closing the socket itself.
   */
  static boolean tooBig(Throwable failure) {
    return failure instanceof IllegalStateException
        || failure instanceof CorruptedWebSocketFrameException corrupt && corrupt.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG;
  }

  void open() {
    ws.closeHandler(v -> close());
    ws.exceptionHandler(e -> {
      if (tooBig(e)) {
        ws.close(CLOSE_TOO_BIG, "message too big");
        return;
      }
      log.debug("WebSocket of session {} failed: {}", sessionId, e.getMessage());
    });
    // Frames a client sends right after the handshake must wait for the session lookup, not be lost.
    ws.pause();
    store.session(sessionId).onComplete(found -> {
      if (found.failed()) {
        ErrorCode code = ErrorCode.of(found.cause());
        short status = code == ErrorCode.SESSION_NOT_FOUND ? CLOSE_UNKNOWN_SESSION : 1011;
        ws.close(status, code == ErrorCode.SESSION_NOT_FOUND ? "session not found" : "server error");
        return;
      }
      if (ws.isClosed()) {
        return;
      }
      ws.textMessageHandler(this::onFrame);
      ws.binaryMessageHandler(data -> writeError(ErrorCode.VALIDATION_FAILED,
          "Binary frames are not part of this protocol: send JSON text frames."));
      feed = new EventFeed(vertx, store, sessionId, after, this::writeEvent).writtenTogetherBy(together);
      Metrics.of(vertx).streamClientOpened(Metrics.WEBSOCKET);
      // the client's frames wait for the subscription too (on a cluster it takes a round trip to be
      // known): an answer to its first frame (a pong, say) means every event published from then on reaches it
      feed.start().onSuccess(v -> ws.resume()).onFailure(e -> ws.close((short) 1011, "cannot follow the session"));
      if (heartbeatMs > 0) {
        heartbeatTimer = vertx.setPeriodic(heartbeatMs, t -> {
          if (System.nanoTime() - lastWriteNanos >= heartbeatMs * 1_000_000L) {
            ws.writePing(Buffer.buffer("agentx"));
            lastWriteNanos = System.nanoTime();
          }
        });
      }
    });
  }

  private int congestedFrames;
  private long lastSeqWritten;

  /** An event's frame is its envelope's text as stored: encoded once, by the store, for every socket. */
  private void writeEvent(SessionEvent event) {
    if (congested()) {
      return;
    }
    lastSeqWritten = event.seq();
    ws.writeTextMessage(event.json());
  }

  /** A frame of the socket's own (pong, accepted, cancel_result, approval_result, error): never an event. */
  private void write(JsonObject frame) {
    if (congested()) {
      return;
    }
    ws.writeTextMessage(frame.encode());
  }

  /** Whether the frame about to be written must be dropped: the socket is closed, or closed now for reading too slowly. */
  private boolean congested() {
    if (ws.isClosed()) {
      return true;
    }
    if (ws.writeQueueFull()) {
      if (congestedFrames == 0) {
        ws.drainHandler(v -> congestedFrames = 0);
      }
      if (++congestedFrames > MAX_CONGESTED_FRAMES) {
        log.info("Session {}: closing a WebSocket that stopped reading (last seq sent {})", sessionId, lastSeqWritten);
        ws.close(CLOSE_TOO_SLOW, "client too slow; reconnect with after=" + lastSeqWritten);
        return true;
      }
    }
    lastWriteNanos = System.nanoTime();
    return false;
  }

  private void onFrame(String text) {
    JsonObject frame;
    try {
      frame = StrictJson.object(text, "The frame");
    } catch (AgentXException e) {
      writeError(e);
      return;
    }
    String type = frame.getValue("type") instanceof String t ? t : "";
    switch (type) {
      case "ping" -> write(new JsonObject().put("type", "pong"));
      case "cancel" -> TurnRoutes.cancelTurn(store, engine, sessionId)
          .onSuccess(r -> write(new JsonObject().put("type", "cancel_result").put("cancelled", r.getBoolean("cancelled", false))))
          .onFailure(this::writeError);
      case "message" -> {
        agentx.protocol.StartTurn request;
        try {
          JsonObject body = frame.copy();
          body.remove("type");
          Requests.onlyFields(body, "content", "system");
          request = TurnRoutes.turnRequest(sessionId, body, false);
        } catch (AgentXException e) {
          writeError(e);
          return;
        }
        engine.queueTurn(request)
            .onSuccess(r -> write(new JsonObject().put("type", "accepted").put("turn_id", r.turnId())))
            .onFailure(this::writeError);
      }
      case "approval" -> {
        JsonObject body = frame.copy();
        body.remove("type");
        Future<JsonObject> answered;
        try {
          answered = ApprovalRoutes.answerFrom(store, sessionId, body);
        } catch (AgentXException e) {
          writeError(e);
          return;
        }
        answered.onSuccess(r -> write(r.copy().put("type", "approval_result"))).onFailure(this::writeError);
      }
      default -> writeError(ErrorCode.VALIDATION_FAILED, "Unknown frame type '" + type + "' (expected message, cancel, approval or ping).");
    }
  }

  private void writeError(Throwable failure) {
    writeError(ErrorCode.of(failure), failure.getMessage());
  }

  private void writeError(ErrorCode code, String sentence) {
    write(new JsonObject().put("type", "error").put("code", code.name()).put("error", sentence));
  }

  private void close() {
    if (feed != null) {
      feed.close();
      Metrics.of(vertx).streamClientClosed(Metrics.WEBSOCKET);
      feed = null;
    }
    if (heartbeatTimer >= 0) {
      vertx.cancelTimer(heartbeatTimer);
    }
  }
}
