package agentx.api;

import agentx.config.AgentXConfig;
import agentx.protocol.Addresses;
import agentx.events.AgentXException;
import agentx.protocol.Bus;
import agentx.tools.comfyui.ComfySystemPrompt;
import agentx.api.mcp.McpHttpHandler;
import agentx.api.mcp.McpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import agentx.events.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge: REST under {@code /api/agentx}, the WebSocket stream, health. It holds no state of
 * its own and reaches the store, engine and tools only through event-bus addresses.
 */
public class HttpApiVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(HttpApiVerticle.class);
  public static final String API_PREFIX = "/api/agentx";

  private HttpServer server;

  @Override
  public Future<?> start() {
    AgentXConfig config = AgentXConfig.from(config());
    Auth auth = new Auth(config.string(AgentXConfig.API_TOKEN));
    String host = config.string(AgentXConfig.HOST);
    warnIfOpen(auth, host);

    Router router = Router.router(vertx);
    router.route().handler(HttpApiVerticle::logRequest);
    List<String> origins = config.list(AgentXConfig.CORS_ORIGINS);
    if (!origins.isEmpty()) {
      CorsHandler cors = CorsHandler.create().addOrigins(origins)
          .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE, HttpMethod.OPTIONS))
          .allowedHeaders(Set.of("Authorization", "Content-Type", "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID"))
          .exposedHeaders(Set.of("Mcp-Session-Id", "Retry-After"));
      router.route("/api/*").handler(cors);
      router.route("/eventbus/*").handler(cors);
      router.route("/mcp").handler(cors);
    }

    HealthRoutes health = new HealthRoutes(vertx, config);
    router.get("/health").handler(health::handle);

    Router api = Router.router(vertx);
    api.get("/health").handler(health::handle);
    api.route().handler(auth::handle);
    api.route().handler(BodyHandler.create(false).setBodyLimit(config.integer(AgentXConfig.MAX_BODY_BYTES)));
    api.route().handler(HttpApiVerticle::requireJsonContent);
    new SessionRoutes(vertx).mount(api);
    new TurnRoutes(vertx, config).mount(api);
    new WorkflowRoutes(vertx).mount(api);
    api.get("/tools").handler(Routes.json(200, ctx -> listTools()));
    long heartbeatMs = config.integer(AgentXConfig.WS_HEARTBEAT) * 1000L;
    api.get("/sessions/:id/stream").handler(ctx -> openStream(ctx, heartbeatMs));
    api.route().handler(ctx -> HttpErrors.send(ctx, ErrorCode.NOT_FOUND, "There is nothing at " + ctx.request().path() + "."));
    api.route().failureHandler(HttpErrors::onRouteFailure);
    router.route(API_PREFIX + "/*").subRouter(api);

    router.route("/mcp").handler(auth::handle);
    BusToolGateway gateway = new BusToolGateway(vertx, config.integer(AgentXConfig.TOOL_TIMEOUT) * 1000L);
    new McpHttpHandler(vertx, gateway, new McpServerOptions()
        .instructions(ComfySystemPrompt.DEFAULT)
        .allowedOrigins(Set.copyOf(origins))).mount(router);

    EventBusBridge bridge = new EventBusBridge(vertx, auth);
    router.post("/eventbus/*").handler(BodyHandler.create(false).setBodyLimit(config.integer(AgentXConfig.MAX_BODY_BYTES)));
    router.route("/eventbus/*").subRouter(bridge.router());

    router.get("/webjars/*").handler(StaticHandler.create("META-INF/resources/webjars"));
    router.get("/*").handler(StaticHandler.create("webroot").setIndexPage("index.html"));
    router.route().failureHandler(HttpErrors::onRouteFailure);

    int port = config.integer(AgentXConfig.PORT);
    return bridge.registerClientAddresses()
        .compose(v -> vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setCompressionSupported(true))
            .requestHandler(router)
            .listen())
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

  private void openStream(RoutingContext ctx, long heartbeatMs) {
    String id = ctx.pathParam("id");
    long after;
    try {
      after = ctx.queryParams().contains("after") ? Requests.longParam(ctx, "after", 0) : -1;
    } catch (AgentXException e) {
      HttpErrors.send(ctx, e);
      return;
    }
    ctx.request().toWebSocket().onSuccess(ws -> {
      if (!Requests.isSessionId(id)) {
        ws.close(StreamSocket.CLOSE_BAD_SESSION_ID, "invalid session id");
        return;
      }
      new StreamSocket(vertx, ws, id.toLowerCase(), after, heartbeatMs).open();
    }).onFailure(e -> {
      if (!ctx.response().ended()) {
        HttpErrors.send(ctx, ErrorCode.VALIDATION_FAILED, "This route needs a WebSocket upgrade.");
      }
    });
  }

  /** {@code GET /tools}: the registry as Claude sees it, and the external servers' state. */
  private Future<JsonObject> listTools() {
    return Bus.request(vertx, Addresses.TOOLS_LIST, new JsonObject())
        .recover(failure -> Future.succeededFuture(new JsonObject().put("tools", new JsonArray()).put("servers", new JsonArray())))
        .map(r -> {
          JsonArray tools = new JsonArray();
          r.getJsonArray("tools", new JsonArray()).forEach(t -> {
            JsonObject spec = (JsonObject) t;
            tools.add(new JsonObject().put("name", spec.getString("name")).put("description", spec.getString("description"))
                .put("input_schema", spec.getJsonObject("input_schema")).put("server", spec.getString("server")));
          });
          return new JsonObject().put("tools", tools).put("servers", r.getJsonArray("servers", new JsonArray()));
        });
  }

  /** The bound port (useful when configured as 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /** A JSON route with a body must say it is JSON: anything else is 415 before we parse a byte. */
  private static void requireJsonContent(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    boolean hasBody = ctx.body() != null && ctx.body().buffer() != null && ctx.body().length() > 0;
    if (hasBody && (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH)) {
      String type = ctx.request().getHeader("Content-Type");
      String mime = type == null ? "" : type.split(";")[0].trim().toLowerCase();
      if (!mime.equals("application/json") && !mime.endsWith("+json")) {
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
      ctx.addBodyEndHandler(v -> log.debug("{} {} {} {}ms", ctx.request().method(), ctx.request().uri(),
          ctx.response().getStatusCode(), (System.nanoTime() - start) / 1_000_000));
    }
    ctx.next();
  }
}
