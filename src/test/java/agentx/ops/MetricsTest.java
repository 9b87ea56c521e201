package agentx.ops;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeComfyUi;
import agentx.testing.Poll;
import agentx.testing.PrometheusText;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics}: Prometheus text a strict reader accepts, whose agentx_* meters move by what a turn did. */
@ExtendWith(VertxExtension.class)
class MetricsTest {
  private static final String TOKEN = "metrics-test-token";
  @TempDir Path dir;
  FakeAnthropic claude;
  FakeComfyUi comfy;
  TestRuntime rt;

  @BeforeEach
  void start(Vertx vertx) {
    claude = FakeAnthropic.start(vertx).await();
    comfy = new FakeComfyUi(vertx).start().await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of(
        AgentXConfig.ROLES, "api,engine,store,tools",
        AgentXConfig.COMFYUI_URL, comfy.baseUrl(),
        AgentXConfig.API_TOKEN, TOKEN))).await();
  }

  @AfterEach
  void stop() {
    claude.close();
    comfy.stop();
  }

  private PrometheusText scrape() {
    HttpResponse<Buffer> r = rt.http.get("/metrics").bearerTokenAuthentication(TOKEN).send().await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.getHeader("Content-Type")).startsWith("text/plain");
    return PrometheusText.parse(r.bodyAsString());
  }

  @Test
  @DisplayName("/metrics needs the API token when one is set, like the API")
  void guardedByToken() {
    assertThat(rt.http.get("/metrics").send().await().statusCode()).isEqualTo(401);
    assertThat(rt.http.get("/metrics").bearerTokenAuthentication("wrong").send().await().statusCode()).isEqualTo(401);
    assertThat(rt.http.get("/metrics").bearerTokenAuthentication(TOKEN).send().await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a node started on its own Vert.x (java -jar) exports the JVM's meters once it is up")
  void jvmMeters(Vertx vertx) {
    agentx.AgentX node = agentx.AgentX.start(TestRuntime.config(dir.resolve("own"), Map.of(AgentXConfig.API_TOKEN, TOKEN))).await();
    try {
      // off, not filtered: with event-bus meters Vert.x builds a meter id for every message, exported or not
      assertThat(((io.vertx.core.spi.metrics.MetricsProvider) node.vertx().eventBus()).getMetrics())
          .as("the event bus's meters are off").isNull();
      io.vertx.ext.web.client.WebClient client = io.vertx.ext.web.client.WebClient.create(vertx);
      Poll.until(Duration.ofSeconds(10), "the JVM's meters in /metrics", () -> {
        String text = client.get(node.port(), "127.0.0.1", "/metrics").bearerTokenAuthentication(TOKEN).send().await().bodyAsString();
        PrometheusText metrics = PrometheusText.parse(text);
        assertThat(text).doesNotContain("vertx_eventbus_");
        return metrics.family("jvm_memory_used_bytes") != null && metrics.family("jvm_gc_memory_allocated_bytes_total") != null
            && metrics.family("process_cpu_usage") != null && metrics.family("jvm_threads_live_threads") != null;
      });
      // Vert.x's HTTP server meters count through ServerMetricsGuard (the scrapes above were requests)
      assertThat(client.get(node.port(), "127.0.0.1", "/metrics").bearerTokenAuthentication(TOKEN).send().await().bodyAsString())
          .containsPattern("vertx_http_server_requests_total\\{[^}]*route=\"/metrics\"");
    } finally {
      node.close().await();
    }
  }

  @Test
  @DisplayName("a turn with one tool call moves turns, tokens, cost, time to first token, tool calls and the event log by its own figures")
  void aTurnMovesTheMeters(Vertx vertx) {
    PrometheusText before = scrape();
    assertThat(before.family("agentx_turns_total").type()).isEqualTo("counter");
    assertThat(before.family("agentx_llm_time_to_first_token_seconds").type()).isEqualTo("histogram");
    assertThat(before.family("agentx_active_turns").type()).isEqualTo("gauge");

    String id = post("/api/agentx/sessions", new JsonObject()).bodyAsJsonObject().getString("session_id");
    // a session's own routes need the token too
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream?token=" + TOKEN).await();
    Poll.until(Duration.ofSeconds(5), "the WebSocket client counted",
        () -> scrape().value("agentx_stream_clients", "transport", "websocket") == 1.0);

    claude.enqueue(Reply.toolUse("Looking.", List.of(new ToolUseSpec("toolu_1", "get_system_stats", new JsonObject()))))
        .enqueue(Reply.text("All good."));
    HttpResponse<Buffer> r = post("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "check"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    String turnId = r.bodyAsJsonObject().getString("turn_id");
    JsonObject turn = rt.http.get("/api/agentx/sessions/" + id + "/turns/" + turnId).bearerTokenAuthentication(TOKEN).send().await()
        .bodyAsJsonObject();
    long events = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").bearerTokenAuthentication(TOKEN).send().await()
        .bodyAsJsonObject().getJsonArray("events").size();
    ws.await(WsClient.turnEvent()).await();
    ws.close().await();

    PrometheusText after = scrape();
    assertThat(delta(before, after, "agentx_turns_total", "status", "completed")).isEqualTo(1.0);
    assertThat(delta(before, after, "agentx_turns_total", "status", "failed")).isZero();
    assertThat(after.value("agentx_active_turns")).isZero();
    assertThat(delta(before, after, "agentx_llm_tokens_total", "kind", "input")).isEqualTo(turn.getLong("input_tokens").doubleValue())
        .isPositive();
    assertThat(delta(before, after, "agentx_llm_tokens_total", "kind", "output")).isEqualTo(turn.getLong("output_tokens").doubleValue())
        .isPositive();
    assertThat(delta(before, after, "agentx_llm_tokens_total", "kind", "cache_read"))
        .isEqualTo(turn.getLong("cache_read_input_tokens").doubleValue());
    assertThat(delta(before, after, "agentx_llm_tokens_total", "kind", "cache_write"))
        .isEqualTo(turn.getLong("cache_creation_input_tokens").doubleValue());
    assertThat(delta(before, after, "agentx_cost_usd_total")).isCloseTo(turn.getDouble("cost_usd"), org.assertj.core.data.Offset.offset(1e-9))
        .isPositive();
    // two Claude calls: two first tokens timed
    assertThat(delta(before, after, "agentx_llm_time_to_first_token_seconds_count")).isEqualTo(2.0);
    assertThat(delta(before, after, "agentx_llm_retries_total")).isZero();
    assertThat(delta(before, after, "agentx_tool_call_seconds_count", "tool", "get_system_stats")).isEqualTo(1.0);
    assertThat(after.samples("agentx_tool_call_seconds_bucket")).isNotEmpty();
    // every event of the turn was committed (plus none other in this session)
    assertThat(delta(before, after, "agentx_events_persisted_total")).isEqualTo((double) events);
    assertThat(delta(before, after, "agentx_store_batch_size_sum")).isEqualTo((double) events);
    assertThat(delta(before, after, "agentx_store_write_seconds_count")).isPositive();
    Poll.until(Duration.ofSeconds(5), "the closed WebSocket client no longer counted",
        () -> scrape().value("agentx_stream_clients", "transport", "websocket") == 0.0);
  }

  @Test
  @DisplayName("a retried Claude call counts in agentx_llm_retries_total")
  void retriesCount() {
    PrometheusText before = scrape();
    claude.enqueue(Reply.httpError(529)).enqueue(Reply.text("Back."));
    String id = post("/api/agentx/sessions", new JsonObject()).bodyAsJsonObject().getString("session_id");
    HttpResponse<Buffer> r = post("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "hi"));
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(delta(before, scrape(), "agentx_llm_retries_total")).isEqualTo(1.0);
  }

  @Test
  @DisplayName("a node without the api role serves its own /metrics on AGENTX_METRICS_PORT, behind the token")
  void nodeWithoutApi(Vertx vertx) throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Vertx other = Vertx.vertx();
    try {
      TestRuntime.start(other, TestRuntime.config(dir.resolve("other"), Map.of(AgentXConfig.ROLES, "store",
          AgentXConfig.METRICS_PORT, port, AgentXConfig.API_TOKEN, TOKEN))).await();
      var client = io.vertx.ext.web.client.WebClient.create(vertx);
      assertThat(client.get(port, "127.0.0.1", "/metrics").send().await().statusCode()).isEqualTo(401);
      HttpResponse<Buffer> r = client.get(port, "127.0.0.1", "/metrics").bearerTokenAuthentication(TOKEN).send().await();
      assertThat(r.statusCode()).isEqualTo(200);
      // the store's migrations and nothing else ran there: its own registry, its own figures
      PrometheusText text = PrometheusText.parse(r.bodyAsString());
      assertThat(text.family("agentx_events_persisted_total")).isNotNull();
      assertThat(client.get(port, "127.0.0.1", "/health/live").send().await().statusCode()).isEqualTo(200);
    } finally {
      other.close().await();
    }
  }

  private HttpResponse<Buffer> post(String path, JsonObject body) {
    return rt.http.post(path).bearerTokenAuthentication(TOKEN).putHeader("Content-Type", "application/json").sendJsonObject(body).await();
  }

  private static double delta(PrometheusText before, PrometheusText after, String name, String... labels) {
    return after.value(name, labels) - before.value(name, labels);
  }
}
