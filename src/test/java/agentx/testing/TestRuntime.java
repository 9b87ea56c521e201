package agentx.testing;

import agentx.AgentX;
import agentx.config.AgentXConfig;
import agentx.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The whole runtime for a test: real verticles on a real SQLite file in a temp folder, HTTP on port
 * 0, plus a WebClient pointed at it.
 */
public final class TestRuntime {
  public final Vertx vertx;
  public final AgentX agentx;
  public final WebClient http;
  public final Path database;

  private TestRuntime(Vertx vertx, AgentX agentx, Path database) {
    this.vertx = vertx;
    this.agentx = agentx;
    this.database = database;
    this.http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(agentx.port()));
  }

  /** Config for a test: SQLite file in {@code dir}, port 0, no API key unless {@code overrides} say so. */
  public static AgentXConfig config(Path dir, Map<String, Object> overrides) {
    JsonObject values = new JsonObject()
        .put(AgentXConfig.DATABASE_URL, "jdbc:sqlite:" + dir.resolve("agentx-test.db"))
        .put(AgentXConfig.PORT, 0)
        .put(AgentXConfig.HOST, "127.0.0.1")
        .put(AgentXConfig.COMFYUI_URL, "http://127.0.0.1:9");
    overrides.forEach(values::put);
    return AgentXConfig.from(values);
  }

  /**
   * Config for a test against the fake Claude: its URL and a test key, no WebSocket heartbeat, and
   * roles api,engine,store (tests stand in for the tools verticle with FakeTools on its addresses);
   * {@code extra} overrides any of it.
   */
  public static AgentXConfig withClaude(Path dir, FakeAnthropic claude, Map<String, Object> extra) {
    Map<String, Object> values = new HashMap<>(Map.of(
        AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-test-key",
        AgentXConfig.ANTHROPIC_BASE_URL, claude.baseUrl(),
        AgentXConfig.WS_HEARTBEAT, 0,
        AgentXConfig.ROLES, "api,engine,store"));
    values.putAll(extra);
    return config(dir, values);
  }

  public static Future<TestRuntime> start(Vertx vertx, Path dir) {
    return start(vertx, config(dir, Map.of()));
  }

  public static Future<TestRuntime> start(Vertx vertx, AgentXConfig config) {
    Path db = config.database().kind() == DatabaseUrl.Kind.SQLITE ? Path.of(config.database().sqlitePath()) : null;
    return AgentX.deploy(vertx, config).map(agentx -> new TestRuntime(vertx, agentx, db));
  }

  public int port() {
    return agentx.port();
  }

  public Future<HttpResponse<Buffer>> postJson(String path, JsonObject body) {
    return http.post(path).putHeader("Content-Type", "application/json").sendBuffer(body.toBuffer());
  }

  public Future<JsonObject> createSession(JsonObject body) {
    return postJson("/api/agentx/sessions", body).map(r -> {
      if (r.statusCode() != 201) {
        throw new IllegalStateException("create session answered " + r.statusCode() + ": " + r.bodyAsString());
      }
      return r.bodyAsJsonObject();
    });
  }
}
