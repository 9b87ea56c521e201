package agentx.api;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.Await;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API token ({@code AGENTX_API_TOKEN}): REST, the session WebSocket and /mcp need it; health and
 * the static page do not. (That the compare is constant-time — {@code MessageDigest.isEqual} in
 * {@link Auth} — is checked in code review, not here.)
 */
@ExtendWith(VertxExtension.class)
class AuthTest {
  static final String TOKEN = "auth-test-token";
  static final String SESSIONS = "/api/agentx/sessions";

  @TempDir Path dir;
  TestRuntime rt;

  private void start(Vertx vertx, String token) {
    Map<String, Object> config = token == null ? Map.of(AgentXConfig.WS_HEARTBEAT, 0)
        : Map.of(AgentXConfig.WS_HEARTBEAT, 0, AgentXConfig.API_TOKEN, token);
    rt = TestRuntime.start(vertx, TestRuntime.config(dir, config)).await();
  }

  private HttpResponse<Buffer> call(HttpMethod method, String path, String authorization) {
    HttpRequest<Buffer> req = rt.http.request(method, path);
    if (authorization != null) {
      req.putHeader("Authorization", authorization);
    }
    if (method == HttpMethod.POST) {
      return Await.result(req.putHeader("Content-Type", "application/json").sendJsonObject(new JsonObject()));
    }
    return Await.result(req.send());
  }

  private static void assertUnauthorized(HttpResponse<Buffer> r) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(401);
    assertThat(r.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("code")).isEqualTo("UNAUTHORIZED");
    assertThat(body.getString("error")).contains("Authorization: Bearer");
  }

  private String createSession() {
    HttpResponse<Buffer> r = call(HttpMethod.POST, SESSIONS, "Bearer " + TOKEN);
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("session_id");
  }

  /** The status a WebSocket upgrade was refused with, or 101 when it was accepted. */
  private int upgradeStatus(Vertx vertx, String uri, String authorization) {
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(rt.port()).setURI(uri);
    if (authorization != null) {
      options.addHeader("Authorization", authorization);
    }
    try {
      Await.result(client.connect(options).compose(ws -> ws.close()));
      return 101;
    } catch (AssertionError e) {
      if (e.getCause() instanceof UpgradeRejectedException rejected) {
        return rejected.getStatus();
      }
      throw e;
    } finally {
      client.close();
    }
  }

  @Test
  @DisplayName("with a token configured, REST without it or with a wrong one is 401 UNAUTHORIZED and changes nothing")
  void restNeedsToken(Vertx vertx) {
    start(vertx, TOKEN);
    String id = createSession();
    for (String authorization : List.of("", "Bearer wrong-token", "Basic " + TOKEN, TOKEN, "Bearer " + TOKEN + "x")) {
      String header = authorization.isEmpty() ? null : authorization;
      assertUnauthorized(call(HttpMethod.GET, SESSIONS, header));
      assertUnauthorized(call(HttpMethod.POST, SESSIONS, header));
      assertUnauthorized(call(HttpMethod.GET, SESSIONS + "/" + id + "/messages", header));
      assertUnauthorized(call(HttpMethod.GET, SESSIONS + "/" + id + "/workflow", header));
      assertUnauthorized(call(HttpMethod.DELETE, SESSIONS + "/" + id, header));
      assertUnauthorized(call(HttpMethod.GET, "/api/agentx/tools", header));
      assertUnauthorized(call(HttpMethod.POST, "/mcp", header));
    }
    JsonObject list = call(HttpMethod.GET, SESSIONS, "Bearer " + TOKEN).bodyAsJsonObject();
    assertThat(list.getLong("total")).as("the refused POSTs and DELETEs created and removed nothing").isEqualTo(1);
  }

  @Test
  @DisplayName("with a token configured, the session WebSocket without it or with a wrong one is refused with 401")
  void webSocketNeedsToken(Vertx vertx) {
    start(vertx, TOKEN);
    String stream = SESSIONS + "/" + createSession() + "/stream";
    assertThat(upgradeStatus(vertx, stream, null)).isEqualTo(401);
    assertThat(upgradeStatus(vertx, stream + "?token=wrong-token", null)).isEqualTo(401);
    assertThat(upgradeStatus(vertx, stream, "Bearer wrong-token")).isEqualTo(401);
  }

  @Test
  @DisplayName("with the token (header, or ?token= on the WebSocket), REST and the WebSocket work")
  void tokenOpensEverything(Vertx vertx) {
    start(vertx, TOKEN);
    String id = createSession();
    String bearer = "Bearer " + TOKEN;
    assertThat(call(HttpMethod.GET, SESSIONS, bearer).statusCode()).isEqualTo(200);
    assertThat(call(HttpMethod.GET, SESSIONS + "/" + id + "/messages", bearer).statusCode()).isEqualTo(200);
    assertThat(call(HttpMethod.GET, SESSIONS + "/" + id + "/workflow", bearer).statusCode()).as("no workflow yet").isEqualTo(404);
    assertThat(call(HttpMethod.GET, "/api/agentx/tools", bearer).statusCode()).isEqualTo(200);

    String stream = SESSIONS + "/" + id + "/stream";
    assertThat(upgradeStatus(vertx, stream, bearer)).isEqualTo(101);
    WsClient ws = Await.result(WsClient.connect(vertx, rt.port(), stream + "?token=" + TOKEN));
    ws.send(new JsonObject().put("type", "ping"));
    assertThat(Await.result(ws.await(f -> "pong".equals(f.getString("type")))).getString("type")).isEqualTo("pong");
    Await.result(ws.close());

    assertThat(call(HttpMethod.DELETE, SESSIONS + "/" + id, bearer).statusCode()).isEqualTo(204);
  }

  @Test
  @DisplayName("with a token configured, /health, /api/agentx/health and the chat page stay open")
  void healthAndPageStayOpen(Vertx vertx) {
    start(vertx, TOKEN);
    for (String path : List.of("/health", "/api/agentx/health")) {
      HttpResponse<Buffer> r = call(HttpMethod.GET, path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(200);
      assertThat(r.bodyAsJsonObject().getString("status")).isEqualTo("healthy");
    }
    HttpResponse<Buffer> page = call(HttpMethod.GET, "/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.bodyAsString()).contains("id=\"token-form\"");
  }

  @Test
  @DisplayName("without a token configured, REST and the WebSocket are open")
  void openWithoutToken(Vertx vertx) {
    start(vertx, null);
    HttpResponse<Buffer> created = call(HttpMethod.POST, SESSIONS, null);
    assertThat(created.statusCode()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("session_id");
    assertThat(call(HttpMethod.GET, SESSIONS, null).statusCode()).isEqualTo(200);
    assertThat(upgradeStatus(vertx, SESSIONS + "/" + id + "/stream", null)).isEqualTo(101);
  }
}
