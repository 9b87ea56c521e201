package agentx.api;

import agentx.api.mcp.OriginPolicy;
import agentx.events.ErrorCode;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The first handler of every request, before any route: what a stranger on the network could use
 * against a server bound to localhost.
 * <ul>
 *   <li>A request with {@code Transfer-Encoding} is refused (411) and its connection closed: one that
 *       also carries {@code Content-Length} is how requests are smuggled, and the two cannot be told
 *       apart once Netty has dropped the length.</li>
 *   <li>The {@code Host} must be a loopback name, the bound host or one of {@code AGENTX_ALLOWED_HOSTS}:
 *       a page that rebinds its own name to 127.0.0.1 (DNS rebinding) sends its own name.</li>
 *   <li>A browser's {@code Origin} must be this server's own, a loopback origin (ComfyUI's page on the
 *       same machine) or one of {@code AGENTX_CORS_ORIGINS}; a foreign one gets 403 on every entry
 *       point (REST, WebSocket, SockJS, /mcp). Allowed cross-origin callers get CORS headers; a
 *       preflight is answered here.</li>
 * </ul>
 */
final class EdgeGuard {
  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "::1", "[::1]");
  private static final String ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
  private static final String ALLOWED_HEADERS = "Authorization, Content-Type, Mcp-Session-Id, MCP-Protocol-Version, Last-Event-ID";
  private static final String EXPOSED_HEADERS = "Mcp-Session-Id, Retry-After";

  private final Set<String> allowedHosts = new HashSet<>();
  private final OriginPolicy origins;

  EdgeGuard(String boundHost, List<String> extraHosts, List<String> corsOrigins, String comfyUiUrl) {
    if (boundHost != null && !boundHost.equals("0.0.0.0") && !boundHost.equals("::")) {
      allowedHosts.add(boundHost.toLowerCase(Locale.ROOT));
    }
    extraHosts.forEach(h -> allowedHosts.add(h.trim().toLowerCase(Locale.ROOT)));
    Set<String> allowedOrigins = new HashSet<>(corsOrigins);
    String comfy = originOf(comfyUiUrl);
    if (comfy != null) {
      allowedOrigins.add(comfy);
    }
    this.origins = new OriginPolicy(allowedOrigins);
  }

  /** The origins /mcp accepts: the same policy as every other entry point. */
  OriginPolicy origins() {
    return origins;
  }

  void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      // Netty drops Content-Length when Transfer-Encoding is present, so a request carrying both cannot
      // be told apart here; chunked request bodies are refused outright (every client this server has
      // sends Content-Length), and the connection closed, so nothing pipelined behind one is read.
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
      HttpErrors.send(ctx, ErrorCode.LENGTH_REQUIRED, "Send the request body with a Content-Length header; "
          + "Transfer-Encoding is not accepted (a request with both is a request-smuggling attempt).");
      request.connection().close(); // after the answer is flushed; nothing pipelined behind it is read
      return;
    }
    if (request.headers().getAll(HttpHeaders.HOST).size() > 1) {
      HttpErrors.send(ctx, ErrorCode.VALIDATION_FAILED, "The request is malformed: it has more than one Host header.");
      return;
    }
    String hostHeader = hostHeader(request);
    String host = hostName(hostHeader);
    if (host == null || !(LOOPBACK.contains(host) || allowedHosts.contains(host))) {
      HttpErrors.send(ctx, ErrorCode.FORBIDDEN, "This server does not answer to the host name '" + hostHeader
          + "'; add it to AGENTX_ALLOWED_HOSTS if it is yours.");
      return;
    }
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin != null && !sameOrigin(origin, hostHeader) && !origins.allows(origin)) {
      HttpErrors.send(ctx, ErrorCode.FORBIDDEN, "Requests from the page origin '" + origin + "' are not allowed;"
          + " add it to AGENTX_CORS_ORIGINS if it is yours.");
      return;
    }
    if (origin != null && !sameOrigin(origin, hostHeader)) {
      ctx.response().putHeader("Access-Control-Allow-Origin", origin).putHeader("Vary", "Origin")
          .putHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
      if (request.method() == HttpMethod.OPTIONS && request.getHeader("Access-Control-Request-Method") != null) {
        ctx.response().setStatusCode(204).putHeader("Access-Control-Allow-Methods", ALLOWED_METHODS)
            .putHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS).putHeader("Access-Control-Max-Age", "600").end();
        return;
      }
    }
    ctx.next();
  }

  /**
   * The request's Host: HTTP/1's header, or HTTP/2's {@code :authority} (an HTTP/2 request has no Host
   * header: Java's {@code HttpClient} and {@code curl --http2} upgrade to it); null when it has neither.
   */
  static String hostHeader(HttpServerRequest request) {
    String host = request.getHeader(HttpHeaders.HOST);
    if (host == null && request.version() == HttpVersion.HTTP_2) {
      HostAndPort authority = request.authority(true);
      host = authority == null ? null : authority.toString();
    }
    return host;
  }

  /** The host name of a Host header, lower case, without the port; null when malformed. */
  static String hostName(String hostHeader) {
    if (hostHeader == null || hostHeader.isBlank()) {
      return null;
    }
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? null : h.substring(0, end + 1);
    }
    int colon = h.indexOf(':');
    return colon < 0 ? h : h.substring(0, colon);
  }

  private static boolean sameOrigin(String origin, String hostHeader) {
    try {
      URI uri = new URI(origin.trim());
      String authority = uri.getRawAuthority();
      return authority != null && hostHeader != null && authority.equalsIgnoreCase(hostHeader.trim())
          && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()));
    } catch (Exception e) {
      return false;
    }
  }

  private static String originOf(String url) {
    try {
      URI uri = new URI(url);
      return uri.getScheme() + "://" + uri.getRawAuthority();
    } catch (Exception e) {
      return null;
    }
  }
}
