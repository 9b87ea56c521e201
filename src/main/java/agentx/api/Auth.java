package agentx.api;

import agentx.events.ErrorCode;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The optional API token ({@code AGENTX_API_TOKEN}): {@code Authorization: Bearer <token>} on REST,
 * WebSocket and /mcp; a {@code token} query parameter where a browser cannot set headers (WebSocket,
 * SockJS, an SSE stream). Compared in constant time. Without a configured token everything is open.
 */
final class Auth {
  private final byte[] token;

  Auth(String token) {
    this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  boolean enabled() {
    return token != null;
  }

  /** Checks an {@code Authorization} header value ({@code Bearer <token>}). */
  boolean acceptsHeader(String authorization) {
    if (!enabled()) {
      return true;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return matches(authorization.substring(7).trim());
  }

  boolean matches(String presented) {
    if (!enabled()) {
      return true;
    }
    return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Route handler: lets the request through with a valid token in the {@code Authorization} header,
   * or, on a real WebSocket handshake only (where a browser cannot set headers), in {@code ?token=}.
   */
  void handle(RoutingContext ctx) {
    boolean headerless = isWebSocketHandshake(ctx) || isEventStream(ctx);
    if (acceptsHeader(ctx.request().getHeader("Authorization")) || (headerless && matches(ctx.queryParams().get("token")))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    HttpErrors.send(ctx, ErrorCode.UNAUTHORIZED, "A valid API token is required: send 'Authorization: Bearer <token>'.");
  }

  /** A GET of an SSE stream: a browser's EventSource cannot set headers either, so it may carry {@code ?token=}. */
  static boolean isEventStream(RoutingContext ctx) {
    return ctx.request().method() == io.vertx.core.http.HttpMethod.GET && ctx.request().path().endsWith("/events/stream");
  }

  /** A GET with every header of an RFC 6455 upgrade, not merely an {@code Upgrade} header added to any request. */
  static boolean isWebSocketHandshake(RoutingContext ctx) {
    var request = ctx.request();
    String connection = request.getHeader("Connection");
    return request.method() == io.vertx.core.http.HttpMethod.GET
        && "websocket".equalsIgnoreCase(request.getHeader("Upgrade"))
        && connection != null && connection.toLowerCase(java.util.Locale.ROOT).contains("upgrade")
        && request.getHeader("Sec-WebSocket-Key") != null
        && request.getHeader("Sec-WebSocket-Version") != null;
  }
}
