package agentx.api;

import agentx.api.mcp.McpHttpHandler;
import agentx.api.mcp.McpServerOptions;
import agentx.config.AgentXConfig;
import agentx.config.SystemPrompt;
import agentx.models.ModelCatalog;
import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Metrics;
import agentx.protocol.EngineClient;
import agentx.protocol.StoreClient;
import agentx.protocol.ToolsClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge: REST under {@code /api/agentx}, the WebSocket stream, health. It holds no state of
 * its own and reaches the store, engine and tools only through event-bus addresses.
 */
public class HttpApiVerticle extends VerticleBase {
  /** Completes when the node's other services can answer: the port opens only then. */
  private final Future<?> servicesReady;

  public HttpApiVerticle() {
    this(Future.succeededFuture());
  }

  /**
   * @param servicesReady the node's store, engine and tools started: this verticle builds its routes
   *     meanwhile (most of its start-up is loading their classes) and listens only once they can answer
   */
  public HttpApiVerticle(Future<?> servicesReady) {
    this.servicesReady = servicesReady;
  }

  private static final Logger log = LoggerFactory.getLogger(HttpApiVerticle.class);
  public static final String API_PREFIX = "/api/agentx";
  /** The OpenAPI document, on the classpath (src/main/resources). */
  public static final String OPENAPI_RESOURCE = "openapi.json";

  /** How long a stop waits for the answers owed to {@code "wait": true} messages before the server closes. */
  private static final long STOP_ANSWER_GRACE_MS = 1_000;
  private HttpServer server;
  private TurnRoutes turnRoutes;
  /** Read by the HEAD route, which is mounted before the routes whose methods it names. */
  private AllowedMethods allowed;

  @Override
  public Future<?> stop() {
    // the server closes once this completes: messages still owed an answer get it first (503s saying what became of them)
    return turnRoutes == null ? Future.succeededFuture() : turnRoutes.settle(STOP_ANSWER_GRACE_MS);
  }

  @Override
  public Future<?> start() {
    AgentXConfig config = AgentXConfig.from(config());
    Auth auth = new Auth(config.string(AgentXConfig.API_TOKEN));
    String host = config.string(AgentXConfig.HOST);
    warnIfOpen(auth, host);

    StoreClient store = new StoreClient(vertx);
    EngineClient engine = new EngineClient(vertx);
    ToolsClient tools = new ToolsClient(vertx);
    Router router = Router.router(vertx);
    router.route().handler(HttpApiVerticle::logRequest);
    List<String> origins = config.list(AgentXConfig.CORS_ORIGINS);
    EdgeGuard guard = new EdgeGuard(host, config.list(AgentXConfig.ALLOWED_HOSTS), origins, config.string(AgentXConfig.COMFYUI_URL));
    router.route().handler(guard::handle);
    // HEAD is GET without the body (RFC 9110 §9.3.2; uptime monitors use it): routed as GET, and Vert.x sends no body
    // for a HEAD request. Not for the streams (an SSE stream, a WebSocket, the bridge, /mcp), which never end.
    router.route().method(HttpMethod.HEAD).handler(ctx -> {
      String path = ctx.normalizedPath();
      if (AllowedMethods.headRefused(path)) {
        ctx.response().putHeader(HttpHeaders.ALLOW, allowed.allowFor(path));
        HttpErrors.send(ctx, ErrorCode.METHOD_NOT_ALLOWED, "HEAD is not allowed on " + path + ".");
        return;
      }
      ctx.reroute(HttpMethod.GET, ctx.request().uri());
    });

    HealthRoutes health = new HealthRoutes(vertx, store, engine, tools);
    health.mount(router);
    // this node's meters (each node of a cluster is scraped on its own), behind the token like the API
    router.get("/metrics").handler(auth::handle).handler(PrometheusScrapingHandler.create(Metrics.of(vertx).registry()));
    router.get("/openapi.json").handler(HttpApiVerticle::openApi);

    Router api = Router.router(vertx);
    health.mount(api);
    api.route().handler(auth::handle);
    api.route().handler(HttpApiVerticle::requireJsonContent);
    api.route().handler(BodyHandler.create(false).setBodyLimit(config.integer(AgentXConfig.MAX_BODY_BYTES)));
    new SessionRoutes(store, ModelCatalog.fromFile(config.string(AgentXConfig.MODELS_FILE)), config.string(AgentXConfig.MODEL),
        config.integer(AgentXConfig.MAX_TOKENS)).mount(api);
    turnRoutes = new TurnRoutes(vertx, store, engine, config);
    turnRoutes.mount(api);
    new ApprovalRoutes(store).mount(api);
    new WorkflowRoutes(store, tools).mount(api);
    new MediaRoutes(vertx, store, config.string(AgentXConfig.COMFYUI_URL)).mount(api);
    api.get("/tools").handler(Routes.json(200, ctx -> listTools(tools)));
    long heartbeatMs = config.integer(AgentXConfig.WS_HEARTBEAT) * 1000L;
    api.get("/sessions/:id/stream").handler(ctx -> openStream(ctx, store, engine, heartbeatMs));
    long sseHeartbeatMs = config.integer(AgentXConfig.SSE_HEARTBEAT) * 1000L;
    int sseMaxQueue = config.integer(AgentXConfig.SSE_MAX_QUEUE);
    api.get("/sessions/:id/events/stream").handler(ctx -> Routes.run(ctx, () -> {
      String id = Requests.sessionId(ctx);
      new EventStream(vertx, store, ctx, id, resumeAfter(ctx), sseHeartbeatMs, sseMaxQueue).open();
      return Future.succeededFuture();
    }));
    api.route().failureHandler(HttpErrors::onRouteFailure);
    router.route(API_PREFIX + "/*").subRouter(api);

    router.route("/mcp").handler(auth::handle);
    BusToolGateway gateway = new BusToolGateway(vertx, tools, store, config.integer(AgentXConfig.TOOL_TIMEOUT) * 1000L);
    new McpHttpHandler(vertx, gateway, new McpServerOptions()
        .instructions(SystemPrompt.COMFYUI)
        .maxBodyBytes(config.integer(AgentXConfig.MAX_BODY_BYTES))
        .allowedOrigins(Set.copyOf(origins))).mount(router);

    EventBusBridge bridge = new EventBusBridge(vertx, store, engine, auth);
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(config.integer(AgentXConfig.MAX_BODY_BYTES)));
    router.route("/eventbus/*").subRouter(bridge.router());

    router.get("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
    // The chat page and the ComfyUI panel (imported by the loader that install-comfyui wrote into
    // ComfyUI; EdgeGuard gives ComfyUI's origin its CORS headers), and agentx-common.js, the module both
    // import. Revalidated on every load, so a new jar's pages are used at once and never meet an old
    // copy of the module they share.
    // not under the API: a GET of a POST-only API route (…/cancel) is 405 there, not a missing page here
    router.getWithRegex("^(?!" + API_PREFIX + "/).*").handler(ctx -> {
      ctx.response().putHeader("Cache-Control", "no-cache");
      ctx.next();
    }).handler(StaticHandler.create("webroot").setIndexPage("index.html").setCachingEnabled(false));
    router.route().failureHandler(HttpErrors::onRouteFailure);
    // no route matched at all (vertx-web answers these itself, as plain text, unless told otherwise)
    router.errorHandler(404, HttpErrors::onRouteFailure);
    allowed = new AllowedMethods(router, API_PREFIX, api);
    router.errorHandler(405, ctx -> {
      ctx.response().putHeader(HttpHeaders.ALLOW, allowed.allowFor(ctx.normalizedPath()));
      HttpErrors.onRouteFailure(ctx);
    });

    int port = config.integer(AgentXConfig.PORT);
    return bridge.registerClientAddresses()
        .compose(v -> servicesReady)
        .compose(v -> listen(router, serverOptions(config, host, port)))
        .onSuccess(s -> {
          server = s;
          log.info("HTTP API listening on http://{}:{}", host, s.actualPort());
        });
  }

  private static void warnIfOpen(Auth auth, String host) {
    boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    if (!auth.enabled() && !loopback) {
      log.warn("!!! Listening on {} WITHOUT an API token: anyone who can reach this port can use your Claude key."
          + " Set AGENTX_API_TOKEN or bind to 127.0.0.1. !!!", host);
    }
  }

  private void openStream(RoutingContext ctx, StoreClient store, EngineClient engine, long heartbeatMs) {
    String id = ctx.pathParam("id");
    long after;
    try {
      after = ctx.queryParams().contains("after") ? Requests.longParam(ctx, "after", 0) : -1;
    } catch (AgentXException e) {
      HttpErrors.send(ctx, e);
      return;
    }
    HttpConnection connection = ctx.request().connection();
    ctx.request().toWebSocket().onSuccess(ws -> {
      if (!Requests.isSessionId(id)) {
        ws.close(StreamSocket.CLOSE_BAD_SESSION_ID, "invalid session id");
        return;
      }
      new StreamSocket(vertx, store, engine, ws, id.toLowerCase(), after, heartbeatMs, FlushTogether.on(connection)).open();
    }).onFailure(e -> {
      if (!ctx.response().ended()) {
        HttpErrors.send(ctx, ErrorCode.VALIDATION_FAILED, "This route needs a WebSocket upgrade.");
      }
    });
  }

  /** Where an SSE client resumes: {@code Last-Event-ID} (an EventSource reconnecting) wins over {@code ?after=}; -1 for live only. */
  private static long resumeAfter(RoutingContext ctx) {
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    if (lastEventId != null && !lastEventId.isBlank()) {
      try {
        long seq = Long.parseLong(lastEventId.trim());
        if (seq >= 0) {
          return seq;
        }
      } catch (NumberFormatException e) {
        // fall through to the refusal below
      }
      throw Requests.invalid("Last-Event-ID must be an event's seq (a whole number of zero or more).");
    }
    return ctx.queryParams().contains("after") ? Requests.longParam(ctx, "after", 0) : -1;
  }

  /** {@code GET /openapi.json}: the API's OpenAPI 3.1 document, a resource of the jar. */
  private static void openApi(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-cache").sendFile(OPENAPI_RESOURCE)
        .onFailure(e -> {
          if (!ctx.response().headWritten()) {
            HttpErrors.send(ctx, ErrorCode.INTERNAL, "The OpenAPI document is missing from this build.");
          }
        });
  }

  /** {@code GET /tools}: the registry as Claude sees it, and the external servers' state; 503 when no tools service runs. */
  private static Future<JsonObject> listTools(ToolsClient tools) {
    return tools.list(10_000).map(listing -> {
      JsonArray specs = new JsonArray();
      listing.tools().forEach(spec -> specs.add(new JsonObject().put("name", spec.name()).put("description", spec.description())
          .put("input_schema", spec.inputSchema()).put("server", spec.server())));
      return new JsonObject().put("tools", specs).put("servers", listing.servers());
    }).recover(failure -> Future.failedFuture(new AgentXException(ErrorCode.SERVICE_UNAVAILABLE,
        "The tools service is not available, so no tool can be listed: " + failure.getMessage())));
  }

  /** The bound port (useful when configured as 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  private Future<HttpServer> listen(Router router, HttpServerOptions options) {
    return vertx.createHttpServer(options)
        .requestHandler(router)
        .invalidRequestHandler(HttpErrors::onInvalidRequest)
        .listen();
  }

  /**
   * Size limits on every socket: a WebSocket frame and message (SockJS's WebSocket transport
   * included) are bounded, and per-message compression is not offered, so a small compressed frame
   * can never inflate into a huge one (a 60 KB frame of zeros is 60 MB inflated). HTTP responses
   * are still compressed.
   */
  static HttpServerOptions serverOptions(AgentXConfig config, String host, int port) {
    int maxMessage = config.integer(AgentXConfig.MAX_WS_MESSAGE_BYTES);
    return new HttpServerOptions().setHost(host).setPort(port)
        .setCompressionSupported(true)
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setMaxWebSocketFrameSize(Math.max(maxMessage, 64 * 1024))
        .setMaxWebSocketMessageSize(maxMessage);
  }

  /**
   * A request with a body must say it is JSON, checked before a byte of the body is read: a form or
   * multipart upload is 415, not silently parsed and ignored.
   */
  private static void requireJsonContent(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    if (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
      String type = ctx.request().getHeader("Content-Type");
      String length = ctx.request().getHeader("Content-Length");
      boolean hasBody = length != null ? !"0".equals(length.trim()) : ctx.request().headers().contains("Transfer-Encoding");
      String mime = type == null ? "" : type.split(";")[0].trim().toLowerCase();
      if (hasBody && !mime.equals("application/json") && !mime.endsWith("+json")) {
        HttpErrors.send(ctx, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            "Send the body as JSON with 'Content-Type: application/json'" + (type == null ? "." : ", not '" + type + "'."));
        return;
      }
    }
    ctx.next();
  }

  private static void logRequest(RoutingContext ctx) {
    if (log.isDebugEnabled()) {
      long start = System.nanoTime();
      ctx.addBodyEndHandler(v -> log.debug("{} {} {} {}ms", ctx.request().method(), Redaction.uri(ctx.request().uri()),
          ctx.response().getStatusCode(), (System.nanoTime() - start) / 1_000_000));
    }
    ctx.next();
  }
}
