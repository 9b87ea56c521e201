package agentx.api;

import agentx.events.ErrorCode;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The optional API token ({@code AGENTX_API_TOKEN}): {@code Authorization: Bearer <token>} on REST,
 * WebSocket and /mcp; a {@code token} query parameter where a browser cannot set headers (WebSocket,
 * SockJS). Compared in constant time. Without a configured token everything is open.
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

  /** Route handler: lets the request through with a valid token (header, or {@code ?token=} on WebSocket upgrades). */
  void handle(RoutingContext ctx) {
    boolean upgrade = "websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"));
    if (acceptsHeader(ctx.request().getHeader("Authorization")) || (upgrade && matches(ctx.queryParams().get("token")))) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer");
    HttpErrors.send(ctx, ErrorCode.UNAUTHORIZED, "A valid API token is required: send 'Authorization: Bearer <token>'.");
  }
}
