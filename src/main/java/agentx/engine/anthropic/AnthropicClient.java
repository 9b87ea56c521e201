package agentx.engine.anthropic;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;

/**
 * Streams answers from the Claude Messages API ({@code POST /v1/messages} with {@code stream:true}).
 *
 * <p>Built on the core {@link HttpClient} rather than the WebClient because a running stream must be
 * abortable ({@code request.reset()}) and watched for stalls.
 */
public final class AnthropicClient {
  /** Concurrent streams (one HTTP/1.1 connection each) before requests queue in the pool. */
  private static final int MAX_CONNECTIONS = 64;

  private final Vertx vertx;
  private final AnthropicOptions options;
  private final RetryPolicy retryPolicy;
  private final String host;
  private final int port;
  private final boolean ssl;
  private final String path;
  // Kept in a field: an unreferenced client may be closed by the garbage collector mid-stream.
  private final HttpClient http;

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
    // No trust options: HTTPS uses the JVM's default trust store and verifies the host name.
    HttpClientOptions httpOptions =
        new HttpClientOptions().setSsl(ssl).setConnectTimeout((int) options.connectTimeoutMs());
    this.http = vertx.createHttpClient(httpOptions, new PoolOptions().setHttp1MaxSize(MAX_CONNECTIONS));
  }

  /**
   * Starts a streaming call. {@code requestBody} holds model, messages, tools…; {@code "stream":
   * true} is added here. Listener callbacks run on the caller's Vert.x context (or a new one when
   * called from outside Vert.x).
   */
  public StreamCall stream(JsonObject requestBody, StreamListener listener) {
    Buffer body = requestBody.copy().put("stream", true).toBuffer();
    StreamingCall call =
        new StreamingCall(vertx, http, this::requestOptions, body, listener, options, retryPolicy);
    call.start();
    return call;
  }

  public Future<Void> close() {
    return http.close();
  }

  /**
   * The credential (bearer token, else API key, else none), the API version, then a gateway's own
   * headers ({@code ANTHROPIC_CUSTOM_HEADERS}), which replace a standard header of the same name.
   */
  private RequestOptions requestOptions() {
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(host)
        .setPort(port)
        .setSsl(ssl)
        .setURI(path)
        .putHeader("anthropic-version", options.anthropicVersion())
        .putHeader("content-type", "application/json")
        .putHeader("accept", "text/event-stream");
    options.authHeaders().forEach(request::putHeader);
    options.headers().forEach(request::putHeader);
    return request;
  }
}
