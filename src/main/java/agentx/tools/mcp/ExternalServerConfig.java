package agentx.tools.mcp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of the external MCP servers file:
 * <pre>
 * {"name": "files", "type": "stdio", "command": "npx", "args": [...], "env": {...}}
 * {"name": "search", "type": "http", "url": "https://host/mcp", "headers": {...}}
 * </pre>
 * Optional on both: {@code startup_timeout_s} (default 30) and {@code timeout_s} per call (default
 * 120). An entry that makes no sense keeps its {@code problem}, so it shows up as a failed server
 * instead of stopping the others.
 */
record ExternalServerConfig(
    String name,
    String type,
    String command,
    List<String> args,
    Map<String, String> env,
    String url,
    Map<String, String> headers,
    Duration startupTimeout,
    Duration callTimeout,
    String problem) {

  static final String STDIO = "stdio";
  static final String HTTP = "http";
  static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(30);
  static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(120);

  boolean valid() {
    return problem == null;
  }

  static ExternalServerConfig fromJson(JsonObject json, int index) {
    String name = json.getValue("name") instanceof String n && !n.isBlank() ? n.trim() : "server" + (index + 1);
    String type = json.getValue("type") instanceof String t ? t.trim().toLowerCase(java.util.Locale.ROOT) : null;
    List<String> args = strings(json.getValue("args"));
    Map<String, String> env = stringMap(json.getValue("env"));
    Map<String, String> headers = stringMap(json.getValue("headers"));
    Duration startup = seconds(json.getValue("startup_timeout_s"), DEFAULT_STARTUP_TIMEOUT);
    Duration call = seconds(json.getValue("timeout_s"), DEFAULT_CALL_TIMEOUT);
    String command = json.getValue("command") instanceof String c && !c.isBlank() ? c : null;
    String url = json.getValue("url") instanceof String u && !u.isBlank() ? u : null;

    String problem = null;
    if (!(json.getValue("name") instanceof String n) || n.isBlank()) {
      problem = "entry " + (index + 1) + " has no \"name\"";
    } else if (STDIO.equals(type)) {
      if (command == null) {
        problem = "a stdio server needs \"command\"";
      }
    } else if (HTTP.equals(type) || "streamable-http".equals(type) || "streamable_http".equals(type)) {
      type = HTTP;
      if (url == null || !isHttpUrl(url)) {
        problem = "an http server needs \"url\", an http:// or https:// address";
      }
    } else {
      problem = "\"type\" must be \"stdio\" or \"http\", not " + (type == null ? "missing" : "\"" + type + "\"");
    }
    if (problem == null && (args == null || env == null || headers == null)) {
      problem = "\"args\" must be an array of strings and \"env\"/\"headers\" objects of strings";
    }
    return new ExternalServerConfig(name, type, command, args == null ? List.of() : args,
        env == null ? Map.of() : env, url, headers == null ? Map.of() : headers, startup, call, problem);
  }

  ExternalServerConfig withProblem(String problem) {
    return new ExternalServerConfig(name, type, command, args, env, url, headers, startupTimeout, callTimeout, problem);
  }

  private static boolean isHttpUrl(String url) {
    try {
      URI uri = new URI(url);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
    } catch (Exception e) {
      return false;
    }
  }

  private static List<String> strings(Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (Object element : array) {
      if (element == null || element instanceof JsonObject || element instanceof JsonArray) {
        return null;
      }
      out.add(element.toString());
    }
    return List.copyOf(out);
  }

  private static Map<String, String> stringMap(Object value) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof JsonObject object)) {
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : object) {
      if (entry.getValue() == null || entry.getValue() instanceof JsonObject || entry.getValue() instanceof JsonArray) {
        return null;
      }
      out.put(entry.getKey(), entry.getValue().toString());
    }
    return Map.copyOf(out);
  }

  private static Duration seconds(Object value, Duration fallback) {
    return value instanceof Number n && n.doubleValue() > 0 ? Duration.ofMillis((long) (n.doubleValue() * 1000)) : fallback;
  }
}
