package agentx.api.mcp;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Decides whether a browser {@code Origin} may talk to the endpoint. Without this check a page on
 * any site could reach a server bound to localhost through DNS rebinding.
 */
public final class OriginPolicy {
  private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  private final Set<String> allowed;

  public OriginPolicy(Set<String> allowedOrigins) {
    this.allowed = allowedOrigins.stream().map(OriginPolicy::normalize).collect(java.util.stream.Collectors.toSet());
  }

  /** Requests without an Origin header come from non-browser clients and are allowed. */
  public boolean allows(String origin) {
    if (origin == null) {
      return true;
    }
    String normalized = normalize(origin);
    return allowed.contains(normalized) || isLoopback(normalized);
  }

  private static boolean isLoopback(String origin) {
    try {
      URI uri = new URI(origin);
      String scheme = uri.getScheme();
      String host = uri.getHost();
      boolean web = "http".equals(scheme) || "https".equals(scheme);
      boolean bare = uri.getRawPath() == null || uri.getRawPath().isEmpty() || "/".equals(uri.getRawPath());
      return web && bare && uri.getUserInfo() == null && host != null && LOOPBACK_HOSTS.contains(host);
    } catch (Exception e) {
      return false; // "null" and malformed origins are never loopback
    }
  }

  private static String normalize(String origin) {
    String trimmed = origin.trim().toLowerCase(Locale.ROOT);
    return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
  }
}
