package agentx.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The floor the streaming benchmark compares the runtime with: the same Vert.x path (WebSocket in,
 * core {@code HttpClient} streaming request to Claude, WebSocket frames out) with nothing else. A
 * client's {@code {"type":"message","content":…}} frame becomes a {@code POST /v1/messages}
 * ({@code stream:true}); each SSE event of the answer (split at its blank line, not parsed) is
 * forwarded as one text frame. No JSON parsing of the stream, no storage, no event bus, no
 * sequencing, no replay. Errors become an {@code event: error} frame.
 *
 * <p>A separate process, so that its memory is measured alone:
 * {@code java -cp <test classpath> agentx.bench.RawRelay <upstream base URL> <instances> <pool size>};
 * it prints {@code RAW RELAY LISTENING ON <port>} when ready.
 */
public final class RawRelay {
  static final String READY = "RAW RELAY LISTENING ON ";

  private RawRelay() {}

  public static void main(String[] args) {
    URI upstream = URI.create(args[0]);
    int instances = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int pool = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    // the runtime's Anthropic client has one pool of `pool` connections; split it among the instances
    int poolPerInstance = Math.max(1, (pool + instances - 1) / instances);
    Vertx vertx = Vertx.vertx();
    int port;
    try {
      port = LoadUpstream.freePort(); // Vert.x shares one port among instances, but not a port 0 bound by another
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    vertx.deployVerticle(() -> new Relay(upstream, port, poolPerInstance), new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> System.out.println(READY + port))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        });
  }

  private static final class Relay extends VerticleBase {
    private final URI upstream;
    private final int poolSize;
    private final int port;
    private HttpClient http;

    Relay(URI upstream, int port, int poolSize) {
      this.upstream = upstream;
      this.port = port;
      this.poolSize = poolSize;
    }

    @Override
    public Future<?> start() {
      http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(poolSize));
      return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
          .webSocketHandler(this::socket)
          .listen();
    }

    private void socket(ServerWebSocket ws) {
      ws.textMessageHandler(text -> {
        JsonObject frame = new JsonObject(text);
        if (!"message".equals(frame.getString("type"))) {
          return;
        }
        Buffer body = new JsonObject()
            .put("model", "claude-sonnet-4-6")
            .put("max_tokens", 4096)
            .put("stream", true)
            .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", frame.getString("content"))))
            .toBuffer();
        RequestOptions options = new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setHost(upstream.getHost())
            .setPort(upstream.getPort())
            .setURI("/v1/messages")
            .putHeader("x-api-key", "sk-ant-bench")
            .putHeader("anthropic-version", "2023-06-01")
            .putHeader("content-type", "application/json")
            .putHeader("accept", "text/event-stream");
        http.request(options).compose(request -> {
          ws.closeHandler(v -> request.reset());
          return send(request, body);
        }).onSuccess(response -> {
          RecordParser events = RecordParser.newDelimited("\n\n", response);
          events.handler(event -> {
            if (!ws.isClosed()) {
              ws.writeTextMessage(event.toString(StandardCharsets.UTF_8) + "\n\n");
            }
          });
          events.exceptionHandler(e -> error(ws, e));
        }).onFailure(e -> error(ws, e));
      });
    }

    private static Future<io.vertx.core.http.HttpClientResponse> send(HttpClientRequest request, Buffer body) {
      return request.send(body);
    }

    private static void error(ServerWebSocket ws, Throwable e) {
      if (!ws.isClosed()) {
        ws.writeTextMessage("event: error\ndata: " + new JsonObject().put("type", "error").put("message", String.valueOf(e)).encode() + "\n\n");
      }
    }
  }
}
