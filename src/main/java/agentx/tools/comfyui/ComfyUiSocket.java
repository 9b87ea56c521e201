package agentx.tools.comfyui;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An open {@code /ws?clientId=} connection to ComfyUI. Text frames are parsed as JSON and handed
 * to the handler given at connect time; binary frames (latent previews) are ignored, and so is any
 * text that is not a JSON object (custom nodes may send anything).
 */
public final class ComfyUiSocket {
  private static final Logger LOG = LoggerFactory.getLogger(ComfyUiSocket.class);

  private final WebSocket socket;
  private final String clientId;
  private final Promise<Void> closed = Promise.promise();

  ComfyUiSocket(WebSocket socket, String clientId, Handler<JsonObject> onMessage) {
    this.socket = socket;
    this.clientId = clientId;
    socket.textMessageHandler(text -> deliver(text, onMessage));
    socket.binaryMessageHandler(ignored -> {});
    socket.exceptionHandler(err -> LOG.debug("ComfyUI websocket {} failed: {}", clientId, err.toString()));
    socket.closeHandler(v -> closed.tryComplete());
  }

  private void deliver(String text, Handler<JsonObject> onMessage) {
    JsonObject message = ComfyUiException.tryJson(text);
    if (message == null) {
      LOG.debug("ignoring non-JSON websocket text from ComfyUI: {}", ComfyUiException.abbreviate(text, 80));
      return;
    }
    onMessage.handle(message);
  }

  public String clientId() {
    return clientId;
  }

  /** Completes when the connection is closed, by either side. */
  public Future<Void> closed() {
    return closed.future();
  }

  public Future<Void> close() {
    if (socket.isClosed()) {
      return Future.succeededFuture();
    }
    return socket.close().recover(err -> Future.succeededFuture());
  }
}
