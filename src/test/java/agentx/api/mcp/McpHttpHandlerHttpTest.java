package agentx.api.mcp;

import static agentx.api.mcp.McpServerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.InMemoryToolGateway;
import agentx.testing.Poll;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
@DisplayName("/mcp at the HTTP level")
class McpHttpHandlerHttpTest {
  private static final String BOTH = "application/json, text/event-stream";

  private InMemoryToolGateway gateway;
  private McpServerFixture fixture;
  private WebClient web;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    gateway = new InMemoryToolGateway(vertx);
    fixture = McpServerFixture.start(vertx, gateway, new McpServerOptions()
        .allowedOrigins(Set.of("https://comfy.example.com"))
        .maxBodyBytes(64 * 1024));
    web = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(fixture.port()));
  }

  // ---- helpers ----

  private HttpResponse<Buffer> post(Object body, MultiMap headers) throws Exception {
    MultiMap all = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json").add("Accept", BOTH);
    headers.names().forEach(name -> all.set(name, headers.getAll(name)));
    String text = body instanceof String s ? s : body instanceof JsonObject o ? o.encode() : ((JsonArray) body).encode();
    return await(web.post("/mcp").putHeaders(all).sendBuffer(Buffer.buffer(text)));
  }

  private HttpResponse<Buffer> post(Object body, String sessionId) throws Exception {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (sessionId != null) {
      headers.add("Mcp-Session-Id", sessionId);
    }
    return post(body, headers);
  }

  private static JsonObject request(Object id, String method, JsonObject params) {
    JsonObject request = new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method);
    return params == null ? request : request.put("params", params);
  }

  private static JsonObject notification(String method, JsonObject params) {
    return new JsonObject().put("jsonrpc", "2.0").put("method", method).put("params", params);
  }

  private static JsonObject initialize(String version) {
    return request(1, "initialize", new JsonObject().put("protocolVersion", version)
        .put("capabilities", new JsonObject())
        .put("clientInfo", new JsonObject().put("name", "raw-test").put("version", "1")));
  }

  private String openSession(String version) throws Exception {
    HttpResponse<Buffer> response = post(initialize(version), (String) null);
    assertThat(response.statusCode()).isEqualTo(200);
    String sessionId = response.getHeader("Mcp-Session-Id");
    assertThat(sessionId).isNotBlank();
    assertThat(post(notification("notifications/initialized", new JsonObject()), sessionId).statusCode()).isEqualTo(202);
    return sessionId;
  }

  private static JsonObject errorOf(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonObject("error");
  }

  // ---- sessions ----

  @Test
  @DisplayName("a request without Mcp-Session-Id is refused with 400")
  void missingSession() throws Exception {
    HttpResponse<Buffer> response = post(request(1, "tools/list", null), (String) null);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(errorOf(response).getString("message")).contains("Mcp-Session-Id");
    assertThat(response.bodyAsJsonObject().getValue("id")).isNull();
  }

  @Test
  @DisplayName("an unknown session id gets 404")
  void unknownSession() throws Exception {
    HttpResponse<Buffer> response = post(request(1, "ping", null), "not-a-session");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(errorOf(response).getString("message")).contains("Session not found");
  }

  @Test
  @DisplayName("DELETE ends the session: 204, then 404 for it")
  void deleteSession() throws Exception {
    String session = openSession("2025-06-18");
    assertThat(post(request(2, "ping", null), session).statusCode()).isEqualTo(200);

    HttpResponse<Buffer> deleted = await(web.delete("/mcp").putHeader("Mcp-Session-Id", session).send());
    assertThat(deleted.statusCode()).isEqualTo(204);

    assertThat(post(request(3, "ping", null), session).statusCode()).isEqualTo(404);
    assertThat(await(web.delete("/mcp").putHeader("Mcp-Session-Id", session).send()).statusCode()).isEqualTo(404);
    assertThat(await(web.delete("/mcp").send()).statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("DELETE cancels the session's running calls")
  void deleteCancelsCalls() throws Exception {
    String session = openSession("2025-06-18");
    Future<HttpResponse<Buffer>> slow = web.post("/mcp").putHeader("Mcp-Session-Id", session)
        .putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer(request(7, "tools/call", new JsonObject().put("name", "slow")
            .put("arguments", new JsonObject().put("steps", 100))).encode()));
    Poll.until(Duration.ofSeconds(5), "the slow call to start", () -> gateway.slowSteps.get() > 0);

    assertThat(await(web.delete("/mcp").putHeader("Mcp-Session-Id", session).send()).statusCode()).isEqualTo(204);

    assertThat(await(slow).statusCode()).isEqualTo(202);
    assertThat(gateway.cancelled).hasSize(1);
  }

  // ---- origin, headers, versions ----

  @Test
  @DisplayName("a foreign Origin gets 403; loopback and configured origins pass")
  void origins() throws Exception {
    MultiMap evil = MultiMap.caseInsensitiveMultiMap().add("Origin", "http://evil.example");
    HttpResponse<Buffer> refused = post(initialize("2025-06-18"), evil);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(errorOf(refused).getString("message")).contains("evil.example");
    assertThat(await(web.get("/mcp").putHeader("Origin", "http://evil.example").send()).statusCode()).isEqualTo(403);

    for (String origin : List.of("http://localhost:5173", "http://127.0.0.1:8188", "http://[::1]:3000",
        "https://comfy.example.com")) {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Origin", origin);
      assertThat(post(initialize("2025-06-18"), headers).statusCode()).as(origin).isEqualTo(200);
    }
    MultiMap lookalike = MultiMap.caseInsensitiveMultiMap().add("Origin", "http://localhost.evil.example");
    assertThat(post(initialize("2025-06-18"), lookalike).statusCode()).isEqualTo(403);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"2025-03-26", "2025-06-18", "2025-11-25"})
  @DisplayName("initialize echoes each supported protocol version and the session accepts its header")
  void supportedVersions(String version) throws Exception {
    HttpResponse<Buffer> response = post(initialize(version), (String) null);

    JsonObject result = response.bodyAsJsonObject().getJsonObject("result");
    assertThat(result.getString("protocolVersion")).isEqualTo(version);
    assertThat(result.getJsonObject("capabilities").getJsonObject("tools").getBoolean("listChanged")).isFalse();
    assertThat(result.getJsonObject("serverInfo").getString("name")).isEqualTo("agentx");
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("Mcp-Session-Id", response.getHeader("Mcp-Session-Id")).add("MCP-Protocol-Version", version);
    assertThat(post(request(2, "ping", null), headers).bodyAsJsonObject().getJsonObject("result")).isEqualTo(new JsonObject());
  }

  @Test
  @DisplayName("an unsupported requested version is answered with the newest; an unsupported header gets 400")
  void unsupportedVersions() throws Exception {
    HttpResponse<Buffer> old = post(initialize("2024-11-05"), (String) null);
    assertThat(old.bodyAsJsonObject().getJsonObject("result").getString("protocolVersion")).isEqualTo("2025-11-25");

    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("Mcp-Session-Id", old.getHeader("Mcp-Session-Id")).add("MCP-Protocol-Version", "1900-01-01");
    HttpResponse<Buffer> refused = post(request(2, "ping", null), headers);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(errorOf(refused).getString("message")).contains("1900-01-01").contains("2025-11-25");
  }

  @Test
  @DisplayName("GET has no stream: 405")
  void getIsNotAllowed() throws Exception {
    HttpResponse<Buffer> response = await(web.get("/mcp").putHeader("Accept", "text/event-stream").send());

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.getHeader("Allow")).contains("POST");
  }

  // ---- JSON-RPC ----

  @Test
  @DisplayName("a body that is not JSON is a parse error with HTTP 400")
  void parseError() throws Exception {
    HttpResponse<Buffer> response = post("{\"jsonrpc\": \"2.0\", \"method\": ", (String) null);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(errorOf(response).getInteger("code")).isEqualTo(-32700);
    assertThat(response.bodyAsJsonObject().containsKey("id")).isTrue();
    assertThat(response.bodyAsJsonObject().getValue("id")).isNull();
  }

  @Test
  @DisplayName("a message that is not JSON-RPC 2.0 is an invalid request with HTTP 400")
  void invalidRequest() throws Exception {
    HttpResponse<Buffer> response = post(new JsonObject().put("jsonrpc", "1.0").put("id", 5).put("method", "ping"),
        openSession("2025-06-18"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(errorOf(response).getInteger("code")).isEqualTo(-32600);
    assertThat(response.bodyAsJsonObject().getInteger("id")).isEqualTo(5);
  }

  @Test
  @DisplayName("an unknown method is -32601 with the request's id")
  void unknownMethod() throws Exception {
    HttpResponse<Buffer> response = post(request("abc", "resources/list", null), openSession("2025-11-25"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("id")).isEqualTo("abc");
    assertThat(errorOf(response).getInteger("code")).isEqualTo(-32601);
    assertThat(errorOf(response).getString("message")).contains("resources/list");
  }

  @Test
  @DisplayName("invalid tools/call and tools/list params are -32602")
  void invalidParams() throws Exception {
    String session = openSession("2025-11-25");

    JsonObject noName = post(request(1, "tools/call", new JsonObject()), session).bodyAsJsonObject();
    assertThat(noName.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
    JsonObject badArguments = post(request(2, "tools/call", new JsonObject().put("name", "add")
        .put("arguments", new JsonArray().add(1))), session).bodyAsJsonObject();
    assertThat(badArguments.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
    JsonObject badCursor = post(request(3, "tools/list", new JsonObject().put("cursor", "bogus")), session)
        .bodyAsJsonObject();
    assertThat(badCursor.getJsonObject("error").getInteger("code")).isEqualTo(-32602);
  }

  @Test
  @DisplayName("tools/list without pagination lists every tool with its schema and annotations")
  void listAll() throws Exception {
    JsonObject result = post(request(1, "tools/list", null), openSession("2025-11-25")).bodyAsJsonObject()
        .getJsonObject("result");

    assertThat(result.getJsonArray("tools")).hasSize(4);
    assertThat(result.containsKey("nextCursor")).isFalse();
    JsonObject add = result.getJsonArray("tools").getJsonObject(0);
    assertThat(add.fieldNames()).containsExactlyInAnyOrder("name", "description", "inputSchema", "annotations");
    assertThat(add.getJsonObject("annotations").getBoolean("readOnlyHint")).isTrue();
  }

  @Test
  @DisplayName("with a progress token and an SSE-accepting client, the answer is an event stream ending with the result")
  void sseAnswer() throws Exception {
    JsonObject call = request(9, "tools/call", new JsonObject().put("name", "slow")
        .put("arguments", new JsonObject().put("steps", 2))
        .put("_meta", new JsonObject().put("progressToken", 77)));
    HttpResponse<Buffer> response = post(call, openSession("2025-11-25"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("text/event-stream");
    List<JsonObject> events = new ArrayList<>();
    for (String line : response.bodyAsString().split("\n")) {
      if (line.startsWith("data: ")) {
        events.add(new JsonObject(line.substring(6)));
      }
    }
    assertThat(events).hasSize(3);
    assertThat(events.get(0).getString("method")).isEqualTo("notifications/progress");
    assertThat(events.get(0).getJsonObject("params").getInteger("progressToken")).isEqualTo(77);
    assertThat(events.get(1).getJsonObject("params").getInteger("progress")).isEqualTo(2);
    assertThat(events.get(2).getInteger("id")).isEqualTo(9);
    assertThat(events.get(2).getJsonObject("result").getJsonArray("content").getJsonObject(0).getString("text"))
        .isEqualTo("done after 2 steps");
  }

  @Test
  @DisplayName("a client that does not accept SSE gets plain JSON even with a progress token")
  void jsonWhenSseNotAccepted() throws Exception {
    JsonObject call = request(9, "tools/call", new JsonObject().put("name", "slow")
        .put("arguments", new JsonObject().put("steps", 1))
        .put("_meta", new JsonObject().put("progressToken", "t")));
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("Mcp-Session-Id", openSession("2025-11-25")).add("Accept", "application/json");
    HttpResponse<Buffer> response = post(call, headers);

    assertThat(response.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(response.bodyAsJsonObject().getJsonObject("result").getBoolean("isError")).isFalse();
  }

  @Test
  @DisplayName("notifications/cancelled stops a call answered as JSON: the gateway cancels, the POST ends with 202")
  void cancelJsonCall() throws Exception {
    String session = openSession("2025-11-25");
    Future<HttpResponse<Buffer>> slow = web.post("/mcp").putHeader("Mcp-Session-Id", session)
        .putHeader("Content-Type", "application/json").putHeader("Accept", BOTH)
        .sendBuffer(Buffer.buffer(request("call-1", "tools/call", new JsonObject().put("name", "slow")
            .put("arguments", new JsonObject().put("steps", 100))).encode()));
    Poll.until(Duration.ofSeconds(5), "the slow call to start", () -> gateway.slowSteps.get() > 0);

    HttpResponse<Buffer> cancel = post(notification("notifications/cancelled",
        new JsonObject().put("requestId", "call-1").put("reason", "user stop")), session);
    assertThat(cancel.statusCode()).isEqualTo(202);

    HttpResponse<Buffer> dropped = await(slow);
    assertThat(dropped.statusCode()).isEqualTo(202);
    assertThat(dropped.body() == null || dropped.body().length() == 0).isTrue();
    assertThat(gateway.cancelled).hasSize(1);
    assertThat(gateway.slowFinished.get()).isZero();
  }

  @Test
  @DisplayName("batches: answered for 2025-03-26 sessions, refused for later versions")
  void batches() throws Exception {
    JsonArray batch = new JsonArray()
        .add(request(1, "ping", null))
        .add(notification("notifications/initialized", new JsonObject()))
        .add(request(2, "tools/call", new JsonObject().put("name", "add")
            .put("arguments", new JsonObject().put("a", 1).put("b", 1))))
        .add(new JsonObject().put("jsonrpc", "2.0").put("id", 3));

    HttpResponse<Buffer> answered = post(batch, openSession("2025-03-26"));
    assertThat(answered.statusCode()).isEqualTo(200);
    JsonArray responses = answered.bodyAsJsonArray();
    assertThat(responses).hasSize(3);
    List<Object> ids = new ArrayList<>();
    responses.forEach(r -> ids.add(((JsonObject) r).getValue("id")));
    assertThat(ids).containsExactlyInAnyOrder(1, 2, 3);

    HttpResponse<Buffer> refused = post(batch, openSession("2025-06-18"));
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(errorOf(refused).getString("message")).contains("batches");
  }

  @Test
  @DisplayName("a body over the limit gets 413")
  void bodyLimit() throws Exception {
    String big = "x".repeat(70 * 1024);
    JsonObject call = request(1, "tools/call", new JsonObject().put("name", "add")
        .put("arguments", new JsonObject().put("padding", big)));

    HttpResponse<Buffer> response = post(call, openSession("2025-11-25"));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(errorOf(response).getString("message")).contains("larger than");
  }
}
