package agentx.engine.anthropic;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Streams answers from the Claude Messages API ({@code POST /v1/messages} with {@code stream:true}),
 * and counts a request's input tokens ({@code POST /v1/messages/count_tokens}).
 *
 * <p>Built on the core {@link HttpClient} rather than the WebClient because a running stream must be
 * abortable ({@code request.reset()}) and watched for stalls.
 */
public final class AnthropicClient {
  /** Concurrent streams (one HTTP/1.1 connection each); more calls wait for a {@link #callSlot slot}. */
  public static final int MAX_CONNECTIONS = 64;
  /** A count is a small synchronous answer: waiting longer than this costs the turn more than an estimate would. */
  private static final long COUNT_TIMEOUT_MS = 10_000;
  static final String BETA_HEADER = "anthropic-beta";

  private final Vertx vertx;
  private final AnthropicOptions options;
  private final RetryPolicy retryPolicy;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String path;
  private final String countPath;
  // Kept in a field: an unreferenced client may be closed by the garbage collector mid-stream.
  private final HttpClient http;
  private final CallSlots slots = new CallSlots(MAX_CONNECTIONS);

  public AnthropicClient(Vertx vertx, AnthropicOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.retryPolicy = new RetryPolicy(options.baseRetryDelayMs(), options.maxRetryDelayMs());
    URI base = URI.create(options.baseUrl());
    this.ssl = "https".equals(base.getScheme());
    this.host = base.getHost();
    this.port = base.getPort() != -1 ? base.getPort() : ssl ? 443 : 80;
    String prefix = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
    this.path = prefix + "/v1/messages";
    this.countPath = path + "/count_tokens";
    // No trust options: HTTPS uses the JVM's default trust store and verifies the host name.
    HttpClientOptions httpOptions =
        new HttpClientOptions().setSsl(ssl).setConnectTimeout((int) options.connectTimeoutMs());
    this.http = vertx.createHttpClient(httpOptions, new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS));
  }

  /**
   * The right to make a call now, one per connection ({@link CallSlots}): a turn takes one before it reads its
   * history and builds its request, and releases it when the call has ended.
   */
  public Future<CallSlots.Slot> callSlot() {
    return slots.acquire();
  }

  /** A {@link #callSlot} no longer wanted: out of the line, or released if it was granted meanwhile. */
  public void withdraw(Future<CallSlots.Slot> pending) {
    slots.withdraw(pending);
  }

  /** Calls waiting for a connection ({@link #callSlot}). */
  public int callsWaiting() {
    return slots.waiting();
  }

  /**
   * Starts a streaming call. {@code requestBody} holds model, messages, tools…; {@code "stream":
   * true} is added here. Listener callbacks run on the caller's Vert.x context (or a new one when
   * called from outside Vert.x).
   */
  public StreamCall stream(JsonObject requestBody, StreamListener listener) {
    return stream(requestBody, List.of(), listener);
  }

  /**
   * Like {@link #stream(JsonObject, StreamListener)}, with {@code betas} in the {@code anthropic-beta}
   * header (after any a gateway's custom headers already name).
   */
  public StreamCall stream(JsonObject requestBody, List<String> betas, StreamListener listener) {
    // Encoded when a connection is there, not now: with more calls than connections, the waiting ones
    // would each hold their encoded request (the tools' schemas included) for as long as they wait.
    // A shallow copy: "stream" is added at the top, nothing inside is changed.
    JsonObject streamed = new JsonObject(new LinkedHashMap<>(requestBody.getMap())).put("stream", true);
    StreamingCall call = new StreamingCall(vertx, http, () -> requestOptions(path, betas, "text/event-stream"),
        () -> RequestEncoding.encode(streamed),
        listener, options, retryPolicy);
    call.start();
    return call;
  }

  /**
   * The input tokens of a request, by the API's own count ({@code POST /v1/messages/count_tokens}).
   * {@code countBody} is a message request without the fields the endpoint refuses (stream,
   * max_tokens, sampling). Not retried: a caller that cannot count falls back to an estimate.
   *
   * @return the count; fails with an {@link AnthropicException} (its {@link AnthropicException#status()}
   *     404 when the endpoint does not exist, as behind a gateway without it)
   */
  public Future<Long> countTokens(JsonObject countBody) {
    RequestOptions request = requestOptions(countPath, List.of(), "application/json")
        .setIdleTimeout(Math.min(COUNT_TIMEOUT_MS, options.idleTimeoutMs()));
    return http.request(request)
        .compose(r -> r.send(countBody.toBuffer()))
        .recover(e -> Future.failedFuture(new AnthropicException(AnthropicException.Kind.CONNECTION,
            "count_tokens could not be reached: " + e.getMessage())))
        .compose(response -> response.body().map(buffer -> {
          String text = buffer.toString();
          if (response.statusCode() != 200) {
            throw AnthropicException.fromHttpError(response.statusCode(), text, null);
          }
          try {
            Object tokens = new JsonObject(text).getValue("input_tokens");
            if (tokens instanceof Number n && n.longValue() >= 0) {
              return n.longValue();
            }
          } catch (DecodeException | ClassCastException notJson) {
            // reported below
          }
          throw new AnthropicException(AnthropicException.Kind.UPSTREAM,
              "count_tokens answered without a number of input_tokens: " + (text.length() > 200 ? text.substring(0, 200) + "…" : text));
        }));
  }

  public Future<Void> close() {
    return http.close();
  }

  /**
   * The credential (bearer token, else API key, else none), the API version, then a gateway's own
   * headers ({@code ANTHROPIC_CUSTOM_HEADERS}), which replace a standard header of the same name; then
   * the betas this request needs, added to any {@code anthropic-beta} a custom header set.
   */
  private RequestOptions requestOptions(String uri, List<String> betas, String accept) {
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(host)
        .setPort(port)
        .setSsl(ssl)
        .setURI(uri)
        .putHeader("anthropic-version", options.anthropicVersion())
        .putHeader("content-type", "application/json")
        .putHeader("accept", accept);
    options.authHeaders().forEach(request::putHeader);
    options.headers().forEach(request::putHeader);
    if (!betas.isEmpty()) {
      String given = request.getHeaders() == null ? null : request.getHeaders().get(BETA_HEADER);
      List<String> named = given == null ? List.of() : Arrays.stream(given.split(",")).map(String::strip).toList();
      List<String> values = new ArrayList<>(given == null || given.isBlank() ? List.of() : List.of(given.strip()));
      betas.stream().filter(b -> !named.contains(b)).forEach(values::add);
      request.putHeader(BETA_HEADER, String.join(",", values));
    }
    return request;
  }
}
