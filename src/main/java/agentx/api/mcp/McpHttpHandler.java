package agentx.api.mcp;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MCP server over the Streamable HTTP transport (revisions 2025-03-26, 2025-06-18, 2025-11-25),
 * written on vertx-web because the Java SDK's server transports are Servlet/Reactor shaped.
 *
 * <ul>
 *   <li>{@code POST /mcp}: JSON-RPC messages. Requests are answered with {@code application/json},
 *       or with an SSE stream when a request asks for progress (a {@code progressToken}) and the
 *       client accepts {@code text/event-stream}. Notifications and responses alone get 202.
 *   <li>{@code GET /mcp}: 405; this server never pushes unsolicited messages.
 *   <li>{@code DELETE /mcp}: ends the session named by {@code Mcp-Session-Id} (204).
 * </ul>
 *
 * Every method checks {@code Origin} (403 for foreign origins) and {@code MCP-Protocol-Version}
 * (400 when unsupported).
 */
public final class McpHttpHandler {
  public static final String PATH = "/mcp";
  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";
  private static final Logger LOG = LoggerFactory.getLogger(McpHttpHandler.class);
  private static final Object NOT_JSON = new Object();

  private final McpServerOptions options;
  private final McpMethods methods;
  private final McpSessionRegistry sessions;
  private final OriginPolicy origins;

  public McpHttpHandler(Vertx vertx, ToolGateway gateway, McpServerOptions options) {
    this.options = options;
    this.methods = new McpMethods(gateway, options);
    this.sessions = McpSessionRegistry.shared(vertx);
    this.origins = new OriginPolicy(options.allowedOrigins());
  }

  public void mount(Router router) {
    router.route(PATH).handler(this::checkHeaders);
    router.post(PATH).handler(BodyHandler.create(false).setBodyLimit(options.maxBodyBytes()));
    router.post(PATH).handler(this::post);
    router.delete(PATH).handler(this::delete);
    // any other method, GET included: this server sends no messages outside of POST answers, so there is no GET stream
    router.route(PATH).handler(ctx -> {
      ctx.response().putHeader("Allow", "DELETE, POST");
      refuse(ctx, 405, JsonRpc.SERVER_ERROR, "Method Not Allowed: " + ctx.request().method() + " (this server takes POST and"
          + " DELETE; it sends no messages outside of POST answers, so there is no GET stream)");
    });
    router.route(PATH).failureHandler(this::failure);
  }

  /** Live sessions, across every handler of this Vert.x instance. */
  public int sessionCount() {
    return sessions.size();
  }

  private void checkHeaders(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    if (!origins.allows(origin)) {
      refuse(ctx, 403, JsonRpc.SERVER_ERROR, "Forbidden: origin " + origin + " is not allowed");
      return;
    }
    String version = ctx.request().getHeader(VERSION_HEADER);
    if (version != null && !ProtocolVersions.supported(version)) {
      refuse(ctx, 400, JsonRpc.SERVER_ERROR, "Bad Request: unsupported " + VERSION_HEADER + " " + version
          + "; supported: " + String.join(", ", ProtocolVersions.SUPPORTED));
      return;
    }
    ctx.next();
  }

  private void post(RoutingContext ctx) {
    Object body = parse(ctx.body().buffer());
    if (body == NOT_JSON) {
      refuse(ctx, 400, JsonRpc.PARSE_ERROR, "Parse error: the body is not valid JSON");
      return;
    }
    boolean batch = body instanceof JsonArray;
    List<JsonRpc.Message> messages = new ArrayList<>();
    if (batch) {
      ((JsonArray) body).forEach(element -> messages.add(JsonRpc.Message.of(element)));
      if (messages.isEmpty()) {
        refuse(ctx, 400, JsonRpc.INVALID_REQUEST, "Invalid Request: the batch is empty");
        return;
      }
    } else {
      JsonRpc.Message message = JsonRpc.Message.of(body);
      if (message.kind() == JsonRpc.Kind.INVALID) {
        sendJson(ctx, 400, message.invalidResponse());
        return;
      }
      if (message.kind() == JsonRpc.Kind.REQUEST && "initialize".equals(message.method())) {
        initialize(ctx, message);
        return;
      }
      messages.add(message);
    }
    McpSession session = session(ctx);
    if (session == null) {
      return;
    }
    if (batch && !ProtocolVersions.LAST_WITH_BATCHES.equals(session.protocolVersion())) {
      refuse(ctx, 400, JsonRpc.INVALID_REQUEST, "Invalid Request: JSON-RPC batches are not part of protocol version "
          + session.protocolVersion() + "; send one message per POST");
      return;
    }
    dispatch(ctx, session, messages, batch);
  }

  private void dispatch(RoutingContext ctx, McpSession session, List<JsonRpc.Message> messages, boolean batch) {
    List<JsonRpc.Message> requests = new ArrayList<>();
    List<JsonObject> invalid = new ArrayList<>();
    for (JsonRpc.Message message : messages) {
      switch (message.kind()) {
        case REQUEST -> requests.add(message);
        case NOTIFICATION -> onNotification(session, message);
        case INVALID -> invalid.add(message.invalidResponse());
        case RESPONSE -> { } // we never send requests, so there is nothing to match a response to
      }
    }
    if (requests.isEmpty() && invalid.isEmpty()) {
      ctx.response().setStatusCode(202).end();
      return;
    }
    boolean wantsProgress = requests.stream().anyMatch(r -> r.progressToken() != null);
    int expected = requests.size() + invalid.size();
    PostAnswer answer = wantsProgress && acceptsEventStream(ctx)
        ? PostAnswer.sse(ctx.response(), expected)
        : PostAnswer.json(ctx.response(), batch, expected);
    invalid.forEach(answer::complete);
    for (JsonRpc.Message request : requests) {
      methods.handle(session, request, answer::notify).onComplete(done -> answer.complete(done.succeeded()
          ? done.result()
          : internalError(request, done.cause())));
    }
  }

  private JsonObject internalError(JsonRpc.Message request, Throwable failure) {
    LOG.warn("MCP {} failed", request.method(), failure);
    return JsonRpc.error(request.id(), JsonRpc.INTERNAL_ERROR, "Internal error: " + failure.getMessage());
  }

  private void initialize(RoutingContext ctx, JsonRpc.Message request) {
    JsonObject params = request.paramsObject();
    if (!(params.getValue("protocolVersion") instanceof String requested)) {
      sendJson(ctx, 200, JsonRpc.error(request.id(), JsonRpc.INVALID_PARAMS,
          "Invalid params: initialize needs params.protocolVersion, e.g. \"" + ProtocolVersions.LATEST + "\""));
      return;
    }
    String version = ProtocolVersions.negotiate(requested);
    JsonObject clientInfo = params.getValue("clientInfo") instanceof JsonObject info ? info : new JsonObject();
    McpSession session = sessions.open(version, clientInfo, options.sessionIdleTimeout(), options.maxSessions());
    if (session == null) {
      refuse(ctx, 503, JsonRpc.SERVER_ERROR, "Service Unavailable: too many open MCP sessions; try again later");
      return;
    }
    LOG.info("MCP session {} opened by {} (protocol {})", session.id(), clientInfo.getString("name", "a client"), version);
    ctx.response().putHeader(SESSION_HEADER, session.id());
    sendJson(ctx, 200, JsonRpc.result(request.id(), methods.initializeResult(version)));
  }

  private void onNotification(McpSession session, JsonRpc.Message notification) {
    switch (notification.method()) {
      case "notifications/initialized" -> { } // requests are served as soon as initialize has answered
      case "notifications/cancelled" -> {
        Object requestId = notification.paramsObject().getValue("requestId");
        if (requestId instanceof String || requestId instanceof Number) {
          boolean cancelled = session.cancel(JsonRpc.idKey(requestId));
          LOG.debug("MCP session {}: cancel of request {} {}", session.id(), requestId,
              cancelled ? "applied" : "ignored (not running)");
        }
      }
      default -> { } // other notifications (roots changed, ...) concern features we do not offer
    }
  }

  private void delete(RoutingContext ctx) {
    String id = ctx.request().getHeader(SESSION_HEADER);
    if (id == null) {
      refuse(ctx, 400, JsonRpc.SERVER_ERROR, "Bad Request: DELETE needs the " + SESSION_HEADER + " header");
    } else if (!sessions.close(id)) {
      refuse(ctx, 404, JsonRpc.SESSION_NOT_FOUND, "Session not found: " + id);
    } else {
      LOG.info("MCP session {} closed by the client", id);
      ctx.response().setStatusCode(204).end();
    }
  }

  /** The request's session, or null after answering 400 (no header) or 404 (unknown). */
  private McpSession session(RoutingContext ctx) {
    String id = ctx.request().getHeader(SESSION_HEADER);
    if (id == null) {
      refuse(ctx, 400, JsonRpc.SERVER_ERROR,
          "Bad Request: " + SESSION_HEADER + " header is required; send initialize first to get one");
      return null;
    }
    McpSession session = sessions.find(id);
    if (session == null) {
      refuse(ctx, 404, JsonRpc.SESSION_NOT_FOUND,
          "Session not found: it expired or was deleted; send initialize again");
    }
    return session;
  }

  private void failure(RoutingContext ctx) {
    if (ctx.statusCode() == 413) {
      refuse(ctx, 413, JsonRpc.INVALID_REQUEST,
          "Invalid Request: the body is larger than " + options.maxBodyBytes() + " bytes");
    } else if (ctx.response().ended()) {
      LOG.debug("MCP request failed after its answer", ctx.failure());
    } else {
      LOG.warn("MCP request failed", ctx.failure());
      int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      refuse(ctx, status, JsonRpc.INTERNAL_ERROR, "Internal error");
    }
  }

  private static boolean acceptsEventStream(RoutingContext ctx) {
    String accept = ctx.request().getHeader("Accept");
    return accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("text/event-stream");
  }

  /** The decoded body (object, array, scalar or null), or {@link #NOT_JSON}. */
  private static Object parse(Buffer body) {
    if (body == null || body.length() == 0) {
      return NOT_JSON;
    }
    try {
      return Json.decodeValue(body);
    } catch (DecodeException e) {
      return NOT_JSON;
    }
  }

  private static void refuse(RoutingContext ctx, int status, int code, String message) {
    sendJson(ctx, status, JsonRpc.error(null, code, message));
  }

  private static void sendJson(RoutingContext ctx, int status, JsonObject body) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
  }
}
