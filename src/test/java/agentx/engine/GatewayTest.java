package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any Anthropic-compatible gateway (issue 12): the fake Claude stands in for it and records the
 * headers it was sent. The runtime's config is built without the test key, so what arrives is only
 * what each test configures.
 */
@ExtendWith(VertxExtension.class)
class GatewayTest {
  @TempDir Path dir;
  FakeAnthropic gateway;
  TestRuntime rt;

  /** The runtime pointed at the fake gateway with exactly these credentials (no test key). */
  private void start(Vertx vertx, Map<String, Object> settings) {
    gateway = FakeAnthropic.start(vertx).await();
    Map<String, Object> values = new HashMap<>(Map.of(
        AgentXConfig.ANTHROPIC_BASE_URL, gateway.baseUrl(),
        AgentXConfig.WS_HEARTBEAT, 0,
        AgentXConfig.ROLES, "api,engine,store"));
    values.putAll(settings);
    rt = TestRuntime.start(vertx, TestRuntime.config(dir, values)).await();
  }

  @AfterEach
  void stopFake() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private HttpResponse<Buffer> turn() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    return rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "hi")).await();
  }

  @Test
  @DisplayName("ANTHROPIC_AUTH_TOKEN alone: the gateway sees Authorization: Bearer and no x-api-key")
  void bearerToken(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.ANTHROPIC_AUTH_TOKEN, "sk-litellm-virtual-1234"));
    HttpResponse<Buffer> r = turn();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    FakeAnthropic.RecordedRequest request = gateway.requests().get(0);
    assertThat(request.header("authorization")).isEqualTo("Bearer sk-litellm-virtual-1234");
    assertThat(request.headers().contains("x-api-key")).isFalse();
    assertThat(request.header("anthropic-version")).isEqualTo("2023-06-01");
  }

  @Test
  @DisplayName("both a key and a token: the token is sent, the key is not (it never reaches the gateway)")
  void tokenWinsOverKey(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.ANTHROPIC_AUTH_TOKEN, "gw-token", AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-real-key"));
    assertThat(turn().statusCode()).isEqualTo(200);
    FakeAnthropic.RecordedRequest request = gateway.requests().get(0);
    assertThat(request.header("authorization")).isEqualTo("Bearer gw-token");
    assertThat(request.headers().contains("x-api-key")).isFalse();
  }

  @Test
  @DisplayName("a non-Anthropic ANTHROPIC_BASE_URL and no credential: the engine is configured and sends no key header at all")
  void noKeyForALocalGateway(Vertx vertx) {
    start(vertx, Map.of());
    JsonObject health = rt.http.get("/health").send().await().bodyAsJsonObject();
    assertThat(health.getString("llm")).isEqualTo("configured");
    HttpResponse<Buffer> r = turn();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    FakeAnthropic.RecordedRequest request = gateway.requests().get(0);
    assertThat(request.headers().contains("x-api-key")).isFalse();
    assertThat(request.headers().contains("authorization")).isFalse();
  }

  @Test
  @DisplayName("ANTHROPIC_CUSTOM_HEADERS: each 'Name: value' line arrives as a header")
  void customHeaders(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-test-key",
        AgentXConfig.ANTHROPIC_CUSTOM_HEADERS, "X-Gateway-Team: comfyui\nanthropic-beta: context-management-2025-06-27\n\nX-Trace:  on "));
    assertThat(turn().statusCode()).isEqualTo(200);
    FakeAnthropic.RecordedRequest request = gateway.requests().get(0);
    assertThat(request.header("x-gateway-team")).isEqualTo("comfyui");
    assertThat(request.header("anthropic-beta")).isEqualTo("context-management-2025-06-27");
    assertThat(request.header("x-trace")).isEqualTo("on");
    assertThat(request.header("x-api-key")).isEqualTo("sk-ant-test-key");
  }

  @Test
  @DisplayName("a gateway that echoes the token in its error: the client sees the error, never the token")
  void tokenNeverShown(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.ANTHROPIC_AUTH_TOKEN, "sk-secret-gw-token-42", AgentXConfig.LLM_MAX_RETRIES, 0));
    gateway.enqueue(Reply.status(401, Map.of("content-type", "application/json"),
        "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"token sk-secret-gw-token-42 is not valid\"}}"));
    HttpResponse<Buffer> r = turn();
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.bodyAsString()).contains("authentication_error").doesNotContain("sk-secret-gw-token-42");
  }
}
