package agentx.tools.comfyui;

import agentx.config.Urls;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;
import io.vertx.ext.web.multipart.MultipartForm;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * ComfyUI's HTTP and WebSocket API (v0.3.64 routes, see the project's fixtures). Every call fails
 * within {@code timeout} with a {@link ComfyUiException} whose message names ComfyUI and its URL;
 * the per-request idle timeout alone is not enough because it stops counting once headers arrive,
 * so each call also carries an overall deadline.
 */
public final class ComfyUiClient {
  private static final int MAX_WS_MESSAGE = 64 * 1024 * 1024;
  /** The largest ComfyUI file read to be looked at ({@code get_output_images}): a 4K PNG is 10–25 MB. */
  static final long MAX_VIEW_BYTES = 32L * 1024 * 1024;

  private final Vertx vertx;
  private final String baseUrl;
  /** {@link #baseUrl} without the user name and password it may carry: what messages and logs name. */
  private final String shownUrl;
  private final Duration timeout;
  private final long timeoutMs;
  // Kept in fields: an unreferenced Vert.x client can be closed by the GC while in use.
  private final WebClient web;
  private final WebSocketClient sockets;
  private volatile Future<JsonObject> objectInfo;

  public ComfyUiClient(Vertx vertx, String baseUrl, Duration timeout) {
    this.vertx = vertx;
    this.baseUrl = normalizeBaseUrl(baseUrl);
    this.shownUrl = Urls.withoutCredentials(this.baseUrl);
    this.timeout = timeout;
    this.timeoutMs = Math.max(1, timeout.toMillis());
    int ms = (int) Math.min(Integer.MAX_VALUE, timeoutMs);
    this.web = WebClient.create(vertx, new WebClientOptions()
        .setConnectTimeout(ms)
        .setUserAgent("agentx-runtime"));
    // No idle timeout on the socket: a run can be silent for minutes while a model loads.
    this.sockets = vertx.createWebSocketClient(new WebSocketClientOptions()
        .setConnectTimeout(ms)
        .setMaxFrameSize(MAX_WS_MESSAGE)
        .setMaxMessageSize(MAX_WS_MESSAGE));
  }

  /**
   * ComfyUI serves every route both as {@code /x} and {@code /api/x}; we call the plain ones (the
   * {@code /internal} routes exist only there), so a base URL ending in {@code /api} or {@code /} is trimmed.
   */
  static String normalizeBaseUrl(String url) {
    String u = url == null ? "" : url.strip();
    if (u.isEmpty()) {
      throw new IllegalArgumentException("ComfyUI URL is empty");
    }
    if (!u.contains("://")) {
      u = "http://" + u;
    }
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    if (u.endsWith("/api")) {
      u = u.substring(0, u.length() - 4);
    }
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    URI uri = URI.create(u);
    if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new IllegalArgumentException("ComfyUI URL must be http(s)://host[:port], got " + Urls.withoutCredentials(url));
    }
    return u;
  }

  /** Where ComfyUI is, as logs and {@code /health} may show it: without the credentials its URL may carry. */
  public String shownUrl() {
    return shownUrl;
  }

  public Duration timeout() {
    return timeout;
  }

  public Vertx vertx() {
    return vertx;
  }

  // ---------------------------------------------------------------- node catalogue

  /** {@code GET /object_info}, fetched once and cached (it is several MB on a real install). */
  public Future<JsonObject> objectInfo() {
    Future<JsonObject> cached = objectInfo;
    if (cached != null) {
      return cached;
    }
    return refreshObjectInfo();
  }

  /** Fetches {@code /object_info} again, e.g. after custom nodes were installed. A failure is not cached. */
  public Future<JsonObject> refreshObjectInfo() {
    Future<JsonObject> fetched = getJsonObject("/object_info").map(NodeCatalog::wellFormed);
    objectInfo = fetched;
    fetched.onFailure(err -> {
      if (objectInfo == fetched) {
        objectInfo = null;
      }
    });
    return fetched;
  }

  /** {@code GET /object_info/{class}}: the class's NodeInfo, or null when ComfyUI does not know it. */
  public Future<JsonObject> objectInfo(String nodeClass) {
    return getJsonObject("/object_info/" + pathSegment(nodeClass)).map(all -> all.getJsonObject(nodeClass));
  }

  // ---------------------------------------------------------------- queue and runs

  /**
   * {@code POST /prompt}. Succeeds with {@code {prompt_id, number, node_errors}}; a 400 fails with a
   * {@link ComfyUiException} whose {@link ComfyUiException#body()} is ComfyUI's {@code {error, node_errors}}.
   */
  public Future<JsonObject> queuePrompt(JsonObject workflow, String clientId) {
    return queuePrompt(workflow, clientId, null);
  }

  /** {@link #queuePrompt(JsonObject, String)} with the prompt id chosen by us (ComfyUI takes a client's {@code prompt_id}). */
  public Future<JsonObject> queuePrompt(JsonObject workflow, String clientId, String promptId) {
    JsonObject body = new JsonObject().put("prompt", workflow);
    if (promptId != null) {
      body.put("prompt_id", promptId);
    }
    if (clientId != null) {
      body.put("client_id", clientId);
    }
    String call = "POST /prompt";
    return send(call, request(HttpMethod.POST, "/prompt"), r -> r.sendJsonObject(body)).compose(resp -> {
      if (resp.statusCode() == 200) {
        JsonObject queued = ComfyUiException.tryJson(resp.bodyAsString());
        if (queued == null || !(queued.getValue("prompt_id") instanceof String id) || id.isEmpty()) {
          return Future.failedFuture(ComfyUiException.http(shownUrl, call + " (no prompt_id in its answer)", 200, resp.bodyAsString()));
        }
        return Future.succeededFuture(queued);
      }
      return Future.failedFuture(promptRejected(resp, call));
    });
  }

  private ComfyUiException promptRejected(HttpResponse<Buffer> resp, String call) {
    JsonObject json = ComfyUiException.tryJson(resp.bodyAsString());
    if (resp.statusCode() == 400 && json != null && json.getValue("error") instanceof JsonObject error) {
      String detail = error.getString("message", "rejected");
      String details = error.getString("details", "");
      return new ComfyUiException("ComfyUI at " + shownUrl + " rejected the workflow: " + detail
          + (details.isBlank() ? "" : " (" + details + ")"), 400, json);
    }
    if (resp.statusCode() == 500) {
      return new ComfyUiException("ComfyUI at " + shownUrl + " failed with HTTP 500 on " + call
          + "; this usually means the workflow is not in API format (UI-format JSON was sent) or a custom node"
          + " hooked /prompt and crashed; see get_logs", 500, json);
    }
    return ComfyUiException.http(shownUrl, call, resp.statusCode(), resp.bodyAsString());
  }

  /** {@code GET /history/{id}}: the HistoryEntry, or null while the prompt is queued or running (or unknown). */
  public Future<JsonObject> history(String promptId) {
    return getJsonObject("/history/" + pathSegment(promptId)).map(all -> all.getJsonObject(promptId));
  }

  /** {@code GET /queue}: {@code {queue_running: [item], queue_pending: [item]}} with 5-element items. */
  public Future<JsonObject> queue() {
    return getJsonObject("/queue");
  }

  /** {@code POST /interrupt} without a prompt id: stops whatever runs now. */
  public Future<Void> interrupt() {
    return postEmptyAnswer("/interrupt", new JsonObject());
  }

  /** {@code POST /interrupt {prompt_id}}: ComfyUI stops the run only if that prompt is the one running. */
  public Future<Void> interrupt(String promptId) {
    return postEmptyAnswer("/interrupt", new JsonObject().put("prompt_id", promptId));
  }

  /** {@code POST /queue {delete}}: removes pending prompts (a running one needs {@link #interrupt}). */
  public Future<Void> deleteFromQueue(List<String> promptIds) {
    return postEmptyAnswer("/queue", new JsonObject().put("delete", new JsonArray(new ArrayList<>(promptIds))));
  }

  // ---------------------------------------------------------------- files

  /** {@code GET /view}: a file from ComfyUI's output, input or temp folder. */
  public Future<ComfyFile> view(String filename, String subfolder, String type) {
    String call = "GET /view";
    HttpRequest<Buffer> req = request(HttpMethod.GET, "/view")
        .as(atMost(MAX_VIEW_BYTES, filename))
        .addQueryParam("filename", filename)
        .addQueryParam("subfolder", subfolder == null ? "" : subfolder)
        .addQueryParam("type", type == null || type.isBlank() ? "output" : type);
    return send(call, req, HttpRequest::send).compose(resp -> {
      if (resp.statusCode() != 200) {
        return Future.failedFuture(ComfyUiException.http(shownUrl, call + " (" + filename + ")", resp.statusCode(),
            resp.bodyAsString()));
      }
      String type0 = resp.getHeader("Content-Type");
      Buffer bytes = resp.bodyAsBuffer() == null ? Buffer.buffer() : resp.bodyAsBuffer();
      return Future.succeededFuture(new ComfyFile(filename, bytes, type0 == null ? "application/octet-stream" : type0));
    });
  }

  /**
   * A body of at most {@code max} bytes: a larger file fails the request (its connection is reset) with a
   * sentence saying so, instead of being read into the heap whole.
   */
  static BodyCodec<Buffer> atMost(long max, String filename) {
    return () -> new BodyStream<Buffer>() {
      private final Buffer body = Buffer.buffer();
      private final Promise<Buffer> result = Promise.promise();

      @Override
      public Future<Buffer> result() {
        return result.future();
      }

      @Override
      public void handle(Throwable failure) {
        result.tryFail(failure);
      }

      @Override
      public Future<Void> write(Buffer chunk) {
        if (body.length() + (long) chunk.length() > max) {
          ComfyUiException tooLarge = new ComfyUiException("ComfyUI's file " + filename + " is larger than " + max / (1024 * 1024)
              + " MB, more than is read to look at; it was not fetched.", 413, null);
          result.tryFail(tooLarge);
          return Future.failedFuture(tooLarge);
        }
        body.appendBuffer(chunk);
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> end() {
        result.tryComplete(body);
        return Future.succeededFuture();
      }

      @Override
      public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        return this;
      }

      @Override
      public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
        return this;
      }

      @Override
      public boolean writeQueueFull() {
        return false;
      }

      @Override
      public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
        return this;
      }
    };
  }

  /** {@code POST /upload/image} (multipart, into {@code input/}): answers {@code {name, subfolder, type}}. */
  public Future<JsonObject> uploadImage(Buffer bytes, String filename, boolean overwrite) {
    MultipartForm form = MultipartForm.create()
        .binaryFileUpload("image", filename, bytes, guessImageType(filename))
        .attribute("type", "input")
        .attribute("subfolder", "")
        .attribute("overwrite", Boolean.toString(overwrite));
    String call = "POST /upload/image";
    return send(call, request(HttpMethod.POST, "/upload/image"), r -> r.sendMultipartForm(form))
        .compose(resp -> expectJsonObject(resp, call));
  }

  static String guessImageType(String filename) {
    String lower = filename.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".png")) {
      return "image/png";
    }
    if (lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
      return "image/jpeg";
    }
    if (lower.endsWith(".webp")) {
      return "image/webp";
    }
    if (lower.endsWith(".gif")) {
      return "image/gif";
    }
    return "application/octet-stream";
  }

  // ---------------------------------------------------------------- system

  public Future<JsonObject> systemStats() {
    return getJsonObject("/system_stats");
  }

  /** {@code GET /models}: the model folder names. */
  public Future<JsonArray> models() {
    return getJsonArray("/models");
  }

  /** {@code GET /models/{folder}}: file names; fails with status 404 for an unknown folder. */
  public Future<JsonArray> models(String folder) {
    return getJsonArray("/models/" + pathSegment(folder));
  }

  /**
   * The server log as lines, from {@code GET /internal/logs/raw} (entries {@code {t, m}}); older
   * servers only have {@code GET /internal/logs}, a JSON string.
   */
  public Future<List<String>> logs() {
    String call = "GET /internal/logs/raw";
    return send(call, request(HttpMethod.GET, "/internal/logs/raw"), HttpRequest::send).compose(resp -> {
      if (resp.statusCode() == 404) {
        return plainLogs();
      }
      return expectJsonObject(resp, call).map(raw -> {
        StringBuilder all = new StringBuilder();
        for (Object entry : raw.getJsonArray("entries", new JsonArray())) {
          if (entry instanceof JsonObject e) {
            all.append(e.getString("m", ""));
          }
        }
        return splitLines(all.toString());
      });
    });
  }

  private Future<List<String>> plainLogs() {
    String call = "GET /internal/logs";
    return send(call, request(HttpMethod.GET, "/internal/logs"), HttpRequest::send).compose(resp -> {
      if (resp.statusCode() != 200) {
        return Future.failedFuture(ComfyUiException.http(shownUrl, call, resp.statusCode(), resp.bodyAsString()));
      }
      Object decoded = Json.decodeValue(resp.bodyAsBuffer());
      return Future.succeededFuture(splitLines(decoded instanceof String s ? s : String.valueOf(decoded)));
    });
  }

  private static List<String> splitLines(String text) {
    List<String> lines = new ArrayList<>(List.of(text.split("\\r?\\n", -1)));
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  // ---------------------------------------------------------------- websocket

  /**
   * Opens {@code /ws?clientId=} and hands every JSON message to {@code onMessage} (on the socket's
   * context). Execution events of a prompt reach only the socket whose id was its {@code client_id},
   * so connect before queueing the prompt.
   */
  public Future<ComfyUiSocket> progress(String clientId, Handler<JsonObject> onMessage) {
    String wsUrl = baseUrl.replaceFirst("^http", "ws") + "/ws?clientId="
        + URLEncoder.encode(clientId, StandardCharsets.UTF_8);
    // Our own timeout decides: Vert.x's handshake timeout, had it fired at the same moment, would close
    // the connection and fail the call as "Connection closed while handshake in process" (read as not
    // reachable). Vert.x's still ends a connection stuck in its handshake, a little later, and a socket
    // that opens after we gave up is closed.
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setAbsoluteURI(wsUrl)
        .setTimeout(2 * timeoutMs)
        .setConnectTimeout(timeoutMs);
    Future<WebSocket> connecting = sockets.connect(options);
    return connecting
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .onFailure(gaveUp -> connecting.onSuccess(late -> late.close()))
        .map(ws -> new ComfyUiSocket(ws, clientId, onMessage))
        .recover(err -> Future.failedFuture(ComfyUiException.transport(shownUrl, "the /ws connection", err, timeout)));
  }

  public Future<Void> close() {
    web.close();
    return sockets.close();
  }

  // ---------------------------------------------------------------- plumbing

  private HttpRequest<Buffer> request(HttpMethod method, String path) {
    return web.requestAbs(method, baseUrl + path)
        .connectTimeout(timeoutMs)
        .idleTimeout(timeoutMs);
  }

  private Future<HttpResponse<Buffer>> send(String call, HttpRequest<Buffer> request,
      Function<HttpRequest<Buffer>, Future<HttpResponse<Buffer>>> sender) {
    Future<HttpResponse<Buffer>> first = sender.apply(request).timeout(timeoutMs, TimeUnit.MILLISECONDS);
    // A keep-alive connection ComfyUI closed (a restart, a stop) fails the next request sent on it before
    // any answer; a GET is safe to send once more, on a fresh connection, which then tells the truth.
    Future<HttpResponse<Buffer>> answered = request.method() != HttpMethod.GET ? first
        : first.recover(err -> staleConnection(err) ? sender.apply(request).timeout(timeoutMs, TimeUnit.MILLISECONDS)
            : Future.failedFuture(err));
    return answered.recover(err -> Future.failedFuture(ComfyUiException.transport(shownUrl, call, err, timeout)));
  }

  /** The request died with its pooled connection (closed or reset by the peer), not for lack of a server. */
  private static boolean staleConnection(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof io.vertx.core.http.HttpClosedException) {
        return true;
      }
      if (t instanceof java.io.IOException && t.getMessage() != null && t.getMessage().toLowerCase().contains("connection reset")) {
        return true;
      }
    }
    return false;
  }

  private Future<JsonObject> getJsonObject(String path) {
    String call = "GET " + path;
    return send(call, request(HttpMethod.GET, path), HttpRequest::send).compose(resp -> expectJsonObject(resp, call));
  }

  private Future<JsonArray> getJsonArray(String path) {
    String call = "GET " + path;
    return send(call, request(HttpMethod.GET, path), HttpRequest::send).compose(resp -> {
      if (resp.statusCode() != 200) {
        return Future.failedFuture(ComfyUiException.http(shownUrl, call, resp.statusCode(), resp.bodyAsString()));
      }
      return decode(call, () -> resp.bodyAsJsonArray());
    });
  }

  private Future<JsonObject> expectJsonObject(HttpResponse<Buffer> resp, String call) {
    if (resp.statusCode() != 200) {
      return Future.failedFuture(ComfyUiException.http(shownUrl, call, resp.statusCode(), resp.bodyAsString()));
    }
    return decode(call, resp::bodyAsJsonObject);
  }

  private <T> Future<T> decode(String call, Supplier<T> parse) {
    try {
      T value = parse.get();
      if (value == null) {
        return Future.failedFuture(new ComfyUiException("ComfyUI at " + shownUrl + " answered " + call
            + " with an empty body", 200, null));
      }
      return Future.succeededFuture(value);
    } catch (RuntimeException notJson) {
      return Future.failedFuture(new ComfyUiException("ComfyUI at " + shownUrl + " answered " + call
          + " with something that is not the expected JSON: " + notJson.getMessage(), 200, null));
    }
  }

  /** Several POSTs answer 200 with an empty body; never parse it. */
  private Future<Void> postEmptyAnswer(String path, JsonObject body) {
    String call = "POST " + path;
    return send(call, request(HttpMethod.POST, path), r -> r.sendJsonObject(body)).compose(resp -> {
      if (resp.statusCode() / 100 != 2) {
        return Future.failedFuture(ComfyUiException.http(shownUrl, call, resp.statusCode(), resp.bodyAsString()));
      }
      return Future.succeededFuture();
    });
  }

  private static String pathSegment(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
