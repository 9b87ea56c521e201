package agentx.ops;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.FakeComfyUi;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** /health, /health/live and /health/ready answered by vertx-health-check procedures that ask each role over the bus. */
@ExtendWith(VertxExtension.class)
class HealthChecksTest {
  @TempDir Path dir;

  private static JsonObject check(JsonObject ready, String id) {
    return ready.getJsonArray("checks").stream().map(JsonObject.class::cast).filter(c -> id.equals(c.getString("id"))).findFirst()
        .orElseThrow();
  }

  @Test
  @DisplayName("every role present: /health healthy with today's fields, /health/ready UP with one check per role, /health/live UP")
  void allRoles(Vertx vertx) {
    FakeComfyUi comfy = new FakeComfyUi(vertx).start().await();
    try {
      TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(AgentXConfig.COMFYUI_URL, comfy.baseUrl(),
          AgentXConfig.API_TOKEN, "secret"))).await();
      HttpResponse<Buffer> health = rt.http.get("/health").send().await();
      assertThat(health.statusCode()).isEqualTo(200);
      JsonObject body = health.bodyAsJsonObject();
      assertThat(body.fieldNames()).containsExactlyInAnyOrder("status", "database", "llm", "comfyui", "mcp_servers", "roles");
      assertThat(body.getString("database")).isEqualTo("up");
      assertThat(body.getString("llm")).isEqualTo("not_configured");
      assertThat(body.getString("comfyui")).isEqualTo("up");
      assertThat(body.getJsonObject("roles")).isEqualTo(new JsonObject().put("store", "up").put("engine", "up").put("tools", "up"));

      // no token needed for any of them
      HttpResponse<Buffer> ready = rt.http.get("/health/ready").send().await();
      assertThat(ready.statusCode()).as(ready.bodyAsString()).isEqualTo(200);
      JsonObject readiness = ready.bodyAsJsonObject();
      assertThat(readiness.getString("status")).isEqualTo("UP");
      assertThat(check(readiness, "store").getJsonObject("data").getString("database")).isEqualTo("sqlite");
      assertThat(check(readiness, "engine").getString("status")).isEqualTo("UP");
      assertThat(check(readiness, "tools").getJsonObject("data").getString("comfyui")).isEqualTo("up");

      HttpResponse<Buffer> live = rt.http.get("/health/live").send().await();
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(live.bodyAsJsonObject().getString("status")).isEqualTo("UP");
      assertThat(rt.http.get("/api/agentx/health/ready").send().await().statusCode()).isEqualTo(200);
    } finally {
      comfy.stop();
    }
  }

  @Test
  @DisplayName("no tools service anywhere: /health degraded but 200, /health/ready 503 naming the tools check DOWN")
  void missingRoleIsNotReady(Vertx vertx) {
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(AgentXConfig.ROLES, "api,engine,store"))).await();
    HttpResponse<Buffer> health = rt.http.get("/health").send().await();
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.bodyAsJsonObject().getString("status")).isEqualTo("degraded");
    assertThat(health.bodyAsJsonObject().getJsonObject("roles").getString("tools")).isEqualTo("down");

    HttpResponse<Buffer> ready = rt.http.get("/health/ready").send().await();
    assertThat(ready.statusCode()).isEqualTo(503);
    JsonObject readiness = ready.bodyAsJsonObject();
    assertThat(readiness.getString("status")).isEqualTo("DOWN");
    assertThat(check(readiness, "tools").getString("status")).isEqualTo("DOWN");
    assertThat(check(readiness, "store").getString("status")).isEqualTo("UP");
    assertThat(rt.http.get("/health/live").send().await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("an API node alone: /health is 503 with the database down, /health/ready 503, /health/live still 200")
  void apiAlone(Vertx vertx) {
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(AgentXConfig.ROLES, "api"))).await();
    HttpResponse<Buffer> health = rt.http.get("/health").send().await();
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.bodyAsJsonObject().getString("database")).isEqualTo("down");
    assertThat(health.bodyAsJsonObject().getString("llm")).isEqualTo("unavailable");
    assertThat(rt.http.get("/health/ready").send().await().statusCode()).isEqualTo(503);
    assertThat(rt.http.get("/health/live").send().await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("health checks asked at once share one write probe, and those in the second after it answer from it: a flood of unauthenticated checks is not a write each")
  void checksShareTheProbe(Vertx vertx) {
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of())).await();
    double before = writes(rt);
    agentx.protocol.StoreClient store = new agentx.protocol.StoreClient(vertx);
    // sent in one task of one context: every request reaches the store before the first probe's write can end
    io.vertx.core.Promise<java.util.List<io.vertx.core.Future<?>>> sent = io.vertx.core.Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> {
      java.util.List<io.vertx.core.Future<?>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(store.health(5_000));
      }
      sent.complete(all);
    });
    java.util.List<io.vertx.core.Future<?>> checks = sent.future().await();
    io.vertx.core.Future.all(checks).await();
    assertThat(writes(rt) - before).as("store write transactions for 20 checks").isEqualTo(1.0);
    // one after another right after them: answered from that probe
    for (int i = 0; i < 20; i++) {
      store.health(5_000).await();
    }
    assertThat(writes(rt) - before).as("store write transactions for 20 more checks, one after another").isEqualTo(1.0);
    // once the probe is older than a second, the next check probes again
    agentx.testing.Poll.until(java.time.Duration.ofSeconds(5), "a check that probes again", () -> {
      store.health(5_000).await();
      return writes(rt) - before == 2.0;
    });
  }

  private static double writes(TestRuntime rt) {
    String metrics = rt.http.get("/metrics").send().await().bodyAsString();
    return agentx.testing.PrometheusText.parse(metrics).value("agentx_store_write_seconds_count");
  }
}
