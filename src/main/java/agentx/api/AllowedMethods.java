package agentx.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The methods a path is routed for, read from the routers themselves: the {@code Allow} header a 405
 * must carry (RFC 9110 §15.5.6). A route declared for every method (a guard, a body handler) allows
 * nothing on its own; a path the API routes is answered from the API's routes; any other path is a page
 * of the static handler (GET). HEAD goes with GET except where {@link #headRefused} says it does not.
 */
final class AllowedMethods {
  private record Declared(Pattern path, Set<HttpMethod> methods) {}

  private final String apiPrefix;
  private final List<Declared> root;
  private final List<Declared> api;

  AllowedMethods(Router root, String apiPrefix, Router api) {
    this.apiPrefix = apiPrefix;
    this.root = declared(root);
    this.api = declared(api);
  }

  /** The streams (an SSE stream, a WebSocket, the bridge, /mcp) never end, so HEAD cannot be answered as their GET is. */
  static boolean headRefused(String path) {
    return path.endsWith("/stream") || path.startsWith("/eventbus") || path.startsWith("/mcp");
  }

  /** {@code "GET, HEAD"}: the methods of {@code path} (normalized, as routed), in a fixed order. */
  String allowFor(String path) {
    Set<String> methods = new TreeSet<>();
    boolean underApi = path.startsWith(apiPrefix + "/");
    for (Declared route : underApi ? api : root) {
      if (route.path().matcher(underApi ? path.substring(apiPrefix.length()) : path).matches()) {
        route.methods().forEach(m -> methods.add(m.name()));
      }
    }
    if (!underApi && methods.isEmpty()) {
      methods.add("GET"); // the pages
    }
    if (methods.contains("GET") && !headRefused(path)) {
      methods.add("HEAD");
    }
    return String.join(", ", methods);
  }

  private static List<Declared> declared(Router router) {
    List<Declared> declared = new ArrayList<>();
    for (Route route : router.getRoutes()) {
      String path = route.getPath();
      Set<HttpMethod> methods = route.methods();
      if (path == null || methods == null || methods.isEmpty()) {
        continue;
      }
      declared.add(new Declared(pattern(path), methods));
    }
    return declared;
  }

  /** {@code /sessions/:id/cancel} → {@code /sessions/[^/]+/cancel}; a trailing {@code *} matches the rest. */
  private static Pattern pattern(String path) {
    boolean prefix = path.endsWith("*");
    String body = prefix ? path.substring(0, path.length() - 1) : path;
    StringBuilder regex = new StringBuilder();
    for (String part : body.split("(?=/)")) {
      if (part.startsWith("/:")) {
        regex.append("/[^/]+");
      } else {
        regex.append(Pattern.quote(part));
      }
    }
    return Pattern.compile(regex + (prefix ? ".*" : "/?"));
  }
}
