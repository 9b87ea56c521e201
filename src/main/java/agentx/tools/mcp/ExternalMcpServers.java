package agentx.tools.mcp;

import agentx.tools.Tool;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The external MCP servers of the config file ({@code AGENTX_MCP_SERVERS_FILE}), reached through
 * the official MCP Java SDK client. Their tools join the registry as {@code mcp__<server>__<tool>}.
 * A server that fails (to start, or later) is reported by {@link #status()}; the others go on.
 */
public final class ExternalMcpServers {
  private final List<ExternalMcpServer> servers;

  private ExternalMcpServers(List<ExternalMcpServer> servers) {
    this.servers = List.copyOf(servers);
  }

  /**
   * Reads the config file {@code {"servers": [...]}} (see {@link ExternalServerConfig}). Reads a
   * small file synchronously: call it while deploying, not from a request handler.
   *
   * @throws IllegalArgumentException when the file cannot be read or is not such a JSON object
   */
  public static ExternalMcpServers load(Vertx vertx, Path configFile) {
    String text;
    try {
      text = Files.readString(configFile);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the MCP servers file " + configFile + ": " + e.getMessage(), e);
    }
    try {
      return fromJson(vertx, new JsonObject(text));
    } catch (DecodeException e) {
      throw new IllegalArgumentException("the MCP servers file " + configFile + " is not a JSON object: " + e.getMessage(), e);
    }
  }

  /** Same as {@link #load} from an already parsed config. */
  public static ExternalMcpServers fromJson(Vertx vertx, JsonObject config) {
    if (!(config.getValue("servers") instanceof JsonArray entries)) {
      throw new IllegalArgumentException("the MCP servers config needs a \"servers\" array");
    }
    List<ExternalMcpServer> servers = new ArrayList<>();
    Set<String> prefixes = new HashSet<>();
    for (int i = 0; i < entries.size(); i++) {
      Object entry = entries.getValue(i);
      ExternalServerConfig server = ExternalServerConfig.fromJson(
          entry instanceof JsonObject json ? json : new JsonObject(), i);
      if (!(entry instanceof JsonObject)) {
        server = server.withProblem("entry " + (i + 1) + " is not an object");
      } else if (!prefixes.add(ToolNames.sanitize(server.name()))) {
        // Two servers with one tool prefix would shadow each other's tools.
        server = server.withProblem("another server already uses the name " + server.name());
      }
      servers.add(new ExternalMcpServer(vertx, server));
    }
    return new ExternalMcpServers(servers);
  }

  /** No external servers (no config file). */
  public static ExternalMcpServers none() {
    return new ExternalMcpServers(List.of());
  }

  /** Starts every server in parallel; completes (never fails) once each is running or failed. */
  public Future<Void> start() {
    List<Future<Void>> starts = servers.stream().map(ExternalMcpServer::start).toList();
    return Future.join(starts).mapEmpty();
  }

  /** The tools of every server that started, including ones that died since (they answer isError). */
  public List<Tool> tools() {
    return servers.stream().flatMap(server -> server.tools().stream()).toList();
  }

  /** {@code [{name, type, status: running|failed|stopped, tool_count, error}]}, in config order. */
  public List<JsonObject> status() {
    return servers.stream().map(ExternalMcpServer::status).toList();
  }

  /** Stops every server (stdio processes included). */
  public Future<Void> close() {
    List<Future<Void>> closes = servers.stream().map(ExternalMcpServer::close).toList();
    return Future.join(closes).mapEmpty();
  }
}
