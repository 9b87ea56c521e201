package agentx.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A test WebSocket (a session's stream, or the event-bus bridge's raw transport) that collects every JSON frame. */
public final class WsClient {
  public final WebSocket socket;
  public final List<JsonObject> frames = new CopyOnWriteArrayList<>();
  private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
  private final WebSocketClient client;
  public volatile Short closeStatus;
  /** Called with each frame as it arrives (before waiters), e.g. to time it. */
  public volatile java.util.function.Consumer<JsonObject> frameListener = f -> {};

  private record Waiter(Predicate<JsonObject> until, Promise<JsonObject> promise) {}

  private WsClient(WebSocketClient client, WebSocket socket) {
    this.client = client;
    this.socket = socket;
    socket.textMessageHandler(this::onFrame);
    // the SockJS raw WebSocket transport (the event-bus bridge) sends its JSON frames as binary
    socket.binaryMessageHandler(bytes -> onFrame(bytes.toString()));
    socket.closeHandler(v -> closeStatus = socket.closeStatusCode());
  }

  private void onFrame(String text) {
    JsonObject frame = new JsonObject(text);
    frameListener.accept(frame);
    frames.add(frame);
    for (Waiter w : waiters) {
      if (w.until.test(frame)) {
        waiters.remove(w);
        w.promise.tryComplete(frame);
      }
    }
  }

  public static Future<WsClient> connect(Vertx vertx, int port, String uri) {
    WebSocketClient client = vertx.createWebSocketClient();
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
        .map(ws -> new WsClient(client, ws));
  }

  /** Completes with the first frame (already received or future) matching {@code until}. */
  public Future<JsonObject> await(Predicate<JsonObject> until) {
    for (JsonObject f : frames) {
      if (until.test(f)) {
        return Future.succeededFuture(f);
      }
    }
    Promise<JsonObject> p = Promise.promise();
    waiters.add(new Waiter(until, p));
    // re-check in case a frame arrived between the scan and the registration
    for (JsonObject f : frames) {
      if (until.test(f)) {
        p.tryComplete(f);
      }
    }
    return p.future();
  }

  /** Completes once {@code n} {@code stream} events (tokens) have arrived, with the n-th. */
  public Future<JsonObject> awaitStreamed(int n) {
    return await(f -> "stream".equals(f.getString("type"))
        && frames.stream().filter(e -> "stream".equals(e.getString("type"))).count() >= n);
  }

  public static Predicate<JsonObject> turnEvent() {
    return f -> "turn".equals(f.getString("type"));
  }

  public void send(JsonObject frame) {
    socket.writeTextMessage(frame.encode());
  }

  public Future<Void> close() {
    return socket.close().compose(v -> client.close());
  }
}
