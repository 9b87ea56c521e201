package agentx.api.mcp;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The HTTP answer to one POST that carried requests: a JSON body sent once every request is done,
 * or an SSE stream that carries notifications (progress) as they happen, each response as it is
 * ready, and ends after the last one. A request dropped by cancellation leaves no response; a JSON
 * answer left with none at all becomes {@code 202 Accepted} with no body.
 *
 * <p>Results arrive from any thread (gateway futures, cancellations from other event loops), so
 * every state change hops to the request's context first; the class is then single-threaded.
 */
final class PostAnswer {
  private final Context context;
  private final HttpServerResponse response;
  private final boolean sse;
  private final boolean batch;
  private final JsonArray responses = new JsonArray();
  private int pending;
  private boolean closed;

  private PostAnswer(HttpServerResponse response, boolean sse, boolean batch, int expected) {
    this.context = Vertx.currentContext();
    this.response = response;
    this.sse = sse;
    this.batch = batch;
    this.pending = expected;
    response.closeHandler(v -> closed = true);
  }

  static PostAnswer json(HttpServerResponse response, boolean batch, int expected) {
    return new PostAnswer(response, false, batch, expected);
  }

  static PostAnswer sse(HttpServerResponse response, int expected) {
    PostAnswer answer = new PostAnswer(response, true, true, expected);
    response.setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no"); // keep reverse proxies from buffering the stream
    response.writeHead();
    return answer;
  }

  boolean streaming() {
    return sse;
  }

  /** Sends a server notification now; only an SSE answer can carry one. */
  void notify(JsonObject notification) {
    if (sse) {
      onContext(() -> writeEvent(notification));
    }
  }

  /** One request is done: its response, or null when it was dropped (cancelled). */
  void complete(JsonObject rpcResponse) {
    onContext(() -> {
      if (rpcResponse != null) {
        if (sse) {
          writeEvent(rpcResponse);
        } else {
          responses.add(rpcResponse);
        }
      }
      if (--pending == 0) {
        finish();
      }
    });
  }

  private void writeEvent(JsonObject message) {
    if (open()) {
      response.write("event: message\ndata: " + message.encode() + "\n\n");
    }
  }

  private void finish() {
    if (!open()) {
      return;
    }
    if (sse) {
      response.end();
    } else if (responses.isEmpty()) {
      response.setStatusCode(202).end();
    } else {
      String body = batch ? responses.encode() : responses.getJsonObject(0).encode();
      response.setStatusCode(200).putHeader("Content-Type", "application/json").end(body);
    }
  }

  private boolean open() {
    return !closed && !response.ended() && !response.closed();
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
