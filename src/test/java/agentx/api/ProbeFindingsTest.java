package agentx.api;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.events.ErrorCode;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Base64;
import java.util.Map;
import java.util.zip.Deflater;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression tests for what an outside probe found by attacking the running server over the
 * network (issue 11): each failed before the fix.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The outside probe's findings")
class ProbeFindingsTest {
  static final String SESSIONS = "/api/agentx/sessions";

  @TempDir Path dir;

  private TestRuntime start(Vertx vertx, Map<String, Object> config) {
    return TestRuntime.start(vertx, TestRuntime.config(dir, config)).await();
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo(code);
  }

  private static String newSession(TestRuntime rt) {
    return rt.createSession(new JsonObject()).await().getString("session_id");
  }

  // --- denial of service through a compression bomb ---

  @Test
  @DisplayName("a permessage-deflate bomb on the bridge or a session stream is refused and /health answers within a second")
  void compressionBomb(Vertx vertx) throws Exception {
    TestRuntime rt = start(vertx, Map.of());
    String id = newSession(rt);
    byte[] bomb = deflate(new byte[60 * 1024 * 1024]);
    assertThat(bomb.length).isLessThan(100_000);
    for (String path : new String[] {"/eventbus/websocket", SESSIONS + "/" + id + "/stream"}) {
      try (Socket socket = new Socket("127.0.0.1", rt.port())) {
        String response = handshake(socket, path, "permessage-deflate; client_max_window_bits");
        assertThat(response).startsWith("HTTP/1.1 101");
        assertThat(response.toLowerCase()).as("compression is not negotiated").doesNotContain("sec-websocket-extensions");
        OutputStream out = socket.getOutputStream();
        out.write(frame(0x1, true, bomb));
        out.flush();
        long start = System.nanoTime();
        HttpResponse<Buffer> health = rt.http.get("/health").send().await();
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms for /health during the attack on " + path).isLessThan(1_000);
        socket.setSoTimeout(5_000);
        assertThat(readUntilClosed(socket.getInputStream())).as("the server closed the attacking socket").isTrue();
      }
    }
  }

  @Test
  @DisplayName("an oversize WebSocket message closes the socket with 1009, and a binary frame gets an error frame")
  void oversizeAndBinaryFrames(Vertx vertx) {
    TestRuntime rt = start(vertx, Map.of(AgentXConfig.MAX_WS_MESSAGE_BYTES, 4096));
    String id = newSession(rt);
    WsClient binary = WsClient.connect(vertx, rt.port(), SESSIONS + "/" + id + "/stream").await();
    binary.socket.writeBinaryMessage(Buffer.buffer(new byte[] {1, 2, 3}));
    JsonObject error = binary.await(f -> "error".equals(f.getString("type"))).await();
    assertThat(error.getString("code")).isEqualTo("VALIDATION_FAILED");

    WsClient big = WsClient.connect(vertx, rt.port(), SESSIONS + "/" + id + "/stream").await();
    big.socket.writeTextMessage("{\"type\":\"message\",\"content\":\"" + "x".repeat(10_000) + "\"}");
    long deadline = System.currentTimeMillis() + 5_000;
    while (big.closeStatus == null && System.currentTimeMillis() < deadline) {
      sleep(20);
    }
    assertThat(big.closeStatus).isEqualTo((short) 1009);
    assertThat(rt.http.get("/health").send().await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("one WebSocket frame over AGENTX_MAX_WS_MESSAGE_BYTES (as a browser sends a big message) closes with 1009 too, "
      + "on the session stream and the bridge")
  void oneOversizeFrame(Vertx vertx) throws Exception {
    TestRuntime rt = start(vertx, Map.of(AgentXConfig.MAX_WS_MESSAGE_BYTES, 100_000));
    String id = newSession(rt);
    for (String path : new String[] {SESSIONS + "/" + id + "/stream", "/eventbus/websocket"}) {
      try (Socket socket = new Socket("127.0.0.1", rt.port())) {
        assertThat(handshake(socket, path, "x-none")).startsWith("HTTP/1.1 101");
        socket.setSoTimeout(5_000);
        try {
          socket.getOutputStream().write(frame(0x1, false, "x".repeat(150_000).getBytes(StandardCharsets.US_ASCII)));
        } catch (java.io.IOException e) {
          // the server may close before it has read all of it
        }
        assertThat(closeStatus(readAll(socket.getInputStream()))).as("the close frame's status on " + path).isEqualTo(1009);
      }
    }
    assertThat(rt.http.get("/health").send().await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a request without a Host, with a malformed one or with two gets 400 VALIDATION_FAILED in JSON, not 500")
  void missingOrDoubleHost(Vertx vertx) throws Exception {
    TestRuntime rt = start(vertx, Map.of());
    for (String hostLines : new String[] {"", "Host: 127.0.0.1@evil.example\r\n", "Host: 127.0.0.1\r\nHost: evil.example\r\n"}) {
      try (Socket socket = new Socket("127.0.0.1", rt.port())) {
        socket.setSoTimeout(5_000);
        socket.getOutputStream().write(("GET " + SESSIONS + " HTTP/1.1\r\n" + hostLines + "Connection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        String answer = new String(readAll(socket.getInputStream()), StandardCharsets.UTF_8);
        assertThat(answer).as(hostLines).startsWith("HTTP/1.1 400").contains("application/json").contains("\"code\":\"VALIDATION_FAILED\"");
      }
    }
    assertThat(rt.http.get(SESSIONS).send().await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("/mcp takes AGENTX_MAX_BODY_BYTES as every other route does: a larger body is 413")
  void mcpBodyLimit(Vertx vertx) {
    TestRuntime rt = start(vertx, Map.of(AgentXConfig.MAX_BODY_BYTES, 10_000));
    String big = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "ping")
        .put("params", new JsonObject().put("pad", "x".repeat(20_000))).encode();
    HttpResponse<Buffer> r = rt.http.post("/mcp").putHeader("Content-Type", "application/json")
        .putHeader("Accept", "application/json, text/event-stream").sendBuffer(Buffer.buffer(big)).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(413);
  }

  @Test
  @DisplayName("HEAD answers as GET without a body (uptime monitors use it); the streams refuse it 405")
  void headRequests(Vertx vertx) throws Exception {
    TestRuntime rt = start(vertx, Map.of());
    String id = newSession(rt);
    for (String path : new String[] {"/health", SESSIONS, SESSIONS + "/" + id, SESSIONS + "/" + id + "/events?after=0", "/openapi.json", "/"}) {
      HttpResponse<Buffer> get = rt.http.get(path).send().await();
      HttpResponse<Buffer> head = rt.http.head(path).send().await();
      assertThat(head.statusCode()).as(path).isEqualTo(get.statusCode()).isEqualTo(200);
      assertThat(head.getHeader("Content-Type")).as(path).isEqualTo(get.getHeader("Content-Type"));
      assertThat(head.body() == null ? 0 : head.body().length()).as(path).isZero();
    }
    assertThat(rt.http.head(SESSIONS + "/nope-not-a-uuid").send().await().statusCode()).as("an error, without its body").isEqualTo(400);
    for (String stream : new String[] {SESSIONS + "/" + id + "/events/stream", SESSIONS + "/" + id + "/stream", "/mcp"}) {
      assertThat(rt.http.head(stream).send().await().statusCode()).as(stream).isEqualTo(405);
    }
    // and the connection is still usable afterwards (a HEAD answer that sent a body would break the next response)
    assertThat(rt.http.get("/health").send().await().bodyAsJsonObject().getString("status")).isNotNull();
  }

  // --- DNS rebinding and foreign origins ---

  @Test
  @DisplayName("a foreign Host or Origin is refused with 403 on REST, the session WebSocket, SockJS and /mcp")
  void foreignHostAndOrigin(Vertx vertx) {
    TestRuntime rt = start(vertx, Map.of());
    String id = newSession(rt);
    assertError(rt.http.get(SESSIONS).putHeader("Host", "evil.example:" + rt.port()).send().await(), 403, "FORBIDDEN");
    assertError(rt.http.get(SESSIONS).putHeader("Origin", "http://evil.example").send().await(), 403, "FORBIDDEN");
    assertError(rt.http.get("/eventbus/info").putHeader("Origin", "http://evil.example").send().await(), 403, "FORBIDDEN");
    assertError(rt.http.post("/mcp").putHeader("Origin", "http://evil.example").putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{}")).await(), 403, "FORBIDDEN");
    Throwable refused = vertx.createWebSocketClient().connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(rt.port())
            .setURI(SESSIONS + "/" + id + "/stream").addHeader("Origin", "http://evil.example"))
        .<Throwable>transform(ar -> io.vertx.core.Future.succeededFuture(ar.cause())).await();
    assertThat(refused).as("the WebSocket handshake is refused").isNotNull().hasMessageContaining("403");
    // same-origin pages and loopback origins (ComfyUI on this machine) are fine
    assertThat(rt.http.get(SESSIONS).putHeader("Origin", "http://127.0.0.1:" + rt.port()).send().await().statusCode()).isEqualTo(200);
    assertThat(rt.http.get(SESSIONS).putHeader("Origin", "http://127.0.0.1:8188").send().await().statusCode()).isEqualTo(200);
    assertThat(rt.http.get(SESSIONS).putHeader("Host", "localhost:" + rt.port()).send().await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("HTTP/2 clients (the JDK's HttpClient upgrades to it) pass the Host check by :authority; a foreign one is 403")
  void http2Authority(Vertx vertx) throws Exception {
    TestRuntime rt = start(vertx, Map.of());
    // java.net.http asks for h2c on a plain connection; the request then has :authority and no Host header
    java.net.http.HttpResponse<String> upgraded = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + rt.port() + SESSIONS)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(upgraded.statusCode()).as(upgraded.body()).isEqualTo(200);
    assertThat(upgraded.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
    HttpClient h2 = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    RequestOptions sessions = new RequestOptions().setHost("127.0.0.1").setPort(rt.port()).setURI(SESSIONS);
    JsonObject foreign = h2.request(sessions)
        .compose(request -> request.authority(HostAndPort.create("evil.example", rt.port())).send())
        .compose(response -> response.body().map(body -> new JsonObject().put("version", response.version().name())
            .put("status", response.statusCode()).put("body", body.toJsonObject())))
        .await();
    assertThat(foreign.getString("version")).isEqualTo("HTTP_2");
    assertThat(foreign.getInteger("status")).isEqualTo(403);
    assertThat(foreign.getJsonObject("body").getString("code")).isEqualTo("FORBIDDEN");
    int own = h2.request(sessions).compose(request -> request.send()).compose(response -> response.body().map(body -> response.statusCode()))
        .await();
    assertThat(own).isEqualTo(200);
  }

  @Test
  @DisplayName("with AGENTX_CORS_ORIGINS set, the page's own POST works, a listed origin gets CORS headers, others 403, /mcp takes loopback")
  void corsOrigins(Vertx vertx) {
    TestRuntime rt = start(vertx, Map.of(AgentXConfig.CORS_ORIGINS, "https://app.example"));
    HttpResponse<Buffer> own = rt.http.post(SESSIONS).putHeader("Origin", "http://127.0.0.1:" + rt.port())
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{}")).await();
    assertThat(own.statusCode()).as(own.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> listed = rt.http.post(SESSIONS).putHeader("Origin", "https://app.example")
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{}")).await();
    assertThat(listed.statusCode()).isEqualTo(201);
    assertThat(listed.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example");
    HttpResponse<Buffer> preflight = rt.http.request(io.vertx.core.http.HttpMethod.OPTIONS, SESSIONS)
        .putHeader("Origin", "https://app.example").putHeader("Access-Control-Request-Method", "POST").send().await();
    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.getHeader("Access-Control-Allow-Methods")).contains("POST");
    assertError(rt.http.post(SESSIONS).putHeader("Origin", "https://other.example").putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{}")).await(), 403, "FORBIDDEN");
    HttpResponse<Buffer> mcp = rt.http.post("/mcp").putHeader("Origin", "http://localhost:" + rt.port())
        .putHeader("Content-Type", "application/json").putHeader("Accept", "application/json, text/event-stream")
        .sendBuffer(Buffer.buffer(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "ping").encode())).await();
    assertThat(mcp.statusCode()).as(mcp.bodyAsString()).isNotEqualTo(403);
  }

  // --- numbers the engine cannot use ---

  @Test
  @DisplayName("config numbers beyond what the engine can use are refused naming the field; a bad stored value is dropped on read")
  void configNumbers(Vertx vertx) throws Exception {
    TestRuntime rt = start(vertx, Map.of());
    for (String bad : new String[] {"{\"max_tokens\":1e400}", "{\"max_llm_calls\":4294967297}", "{\"max_tokens\":99999999999}",
        "{\"temperature\":1e400}", "{\"max_tokens\":-5}"}) {
      HttpResponse<Buffer> r = rt.http.post(SESSIONS).putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer("{\"config\":" + bad + "}")).await();
      assertError(r, 400, "VALIDATION_FAILED");
      String field = bad.substring(2, bad.indexOf('"', 2));
      assertThat(r.bodyAsJsonObject().getString("error")).contains("config." + field);
    }
    String id = newSession(rt);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + rt.database);
        PreparedStatement st = c.prepareStatement("UPDATE sessions SET config = ? WHERE session_id = ?")) {
      st.setString(1, "{\"max_tokens\":\"Infinity\",\"model\":\"claude-x\"}");
      st.setString(2, id);
      st.executeUpdate();
    }
    HttpResponse<Buffer> read = rt.http.get(SESSIONS + "/" + id).send().await();
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject().getJsonObject("config")).isEqualTo(new JsonObject().put("model", "claude-x"));
  }

  @Test
  @DisplayName("a null config value or a model that is no id is refused naming the field (it gave 500 and held the session); "
      + "a stored null is dropped on read")
  void configNullsAndModelIds(Vertx vertx) throws Exception {
    TestRuntime rt = start(vertx, Map.of());
    String id = newSession(rt);
    for (String bad : new String[] {"{\"max_llm_calls\":null}", "{\"tools_enabled\":null}", "{\"stream_thinking\":null}",
        "{\"model\":null}", "{\"model\":\"\"}", "{\"model\":\"claude sonnet\"}", "{\"model\":\"" + "m".repeat(201) + "\"}"}) {
      String field = bad.substring(2, bad.indexOf('"', 2));
      HttpResponse<Buffer> created = rt.http.post(SESSIONS).putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer("{\"config\":" + bad + "}")).await();
      assertError(created, 400, "VALIDATION_FAILED");
      assertThat(created.bodyAsJsonObject().getString("error")).contains("config." + field);
      HttpResponse<Buffer> patched = rt.http.patch(SESSIONS + "/" + id).putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer("{\"config\":" + bad + "}")).await();
      assertError(patched, 400, "VALIDATION_FAILED");
    }
    assertThat(rt.http.get(SESSIONS).send().await().bodyAsJsonObject().getLong("total")).as("nothing was created").isEqualTo(1L);
    assertThat(rt.createSession(new JsonObject().put("config", new JsonObject().put("model", "ollama/llama3.1:8b"))).await()
        .getJsonObject("config").getString("model")).isEqualTo("ollama/llama3.1:8b");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + rt.database);
        PreparedStatement st = c.prepareStatement("UPDATE sessions SET config = ? WHERE session_id = ?")) {
      st.setString(1, "{\"max_llm_calls\":null,\"tools_enabled\":null,\"model\":\"claude-x\"}");
      st.setString(2, id);
      st.executeUpdate();
    }
    assertThat(rt.http.get(SESSIONS + "/" + id).send().await().bodyAsJsonObject().getJsonObject("config"))
        .isEqualTo(new JsonObject().put("model", "claude-x"));
  }

  @Test
  @DisplayName("a workflow version to restore that is no whole number from 1 up, 1e20 included, is refused 400 (1e20 was clamped to a long)")
  void restoreVersionRange(Vertx vertx) {
    TestRuntime rt = start(vertx, Map.of());
    String id = newSession(rt);
    for (String bad : new String[] {"1e20", "-1", "0", "1.5", "\"2\"", "null"}) {
      HttpResponse<Buffer> r = rt.http.post(SESSIONS + "/" + id + "/workflow/restore").putHeader("Content-Type", "application/json")
          .sendBuffer(Buffer.buffer("{\"version\":" + bad + "}")).await();
      assertError(r, 400, "VALIDATION_FAILED");
    }
    assertError(rt.postJson(SESSIONS + "/" + id + "/workflow/restore", new JsonObject().put("version", 99)).await(), 404, "NOT_FOUND");
  }

  // --- request smuggling and leniency ---

  @Test
  @DisplayName("a request with both Content-Length and Transfer-Encoding is refused (411) once and its connection closed")
  void contentLengthAndTransferEncoding(Vertx vertx) throws Exception {
    TestRuntime rt = start(vertx, Map.of());
    try (Socket socket = new Socket("127.0.0.1", rt.port())) {
      socket.setSoTimeout(5_000);
      String smuggled = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      String chunk = Integer.toHexString(smuggled.length());
      String request = "POST " + SESSIONS + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n" + "0\r\n\r\n" + smuggled;
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String answer = new String(readAll(socket.getInputStream()), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 411");
      assertThat(answer.split("HTTP/1.1 ", -1)).as("exactly one answer on the connection").hasSize(2);
      assertThat(chunk).isNotEmpty();
    }
    assertThat(rt.http.get(SESSIONS).send().await().bodyAsJsonObject().getLong("total")).isZero();
  }

  @Test
  @DisplayName("?token= is taken only on a real WebSocket handshake, not on REST or /mcp with a bare Upgrade header")
  void queryTokenOnlyOnHandshakes(Vertx vertx) {
    TestRuntime rt = start(vertx, Map.of(AgentXConfig.API_TOKEN, "s3cret-token"));
    assertError(rt.http.get(SESSIONS + "?token=s3cret-token").putHeader("Upgrade", "websocket").send().await(), 401, "UNAUTHORIZED");
    assertError(rt.http.post("/mcp?token=s3cret-token").putHeader("Upgrade", "websocket").putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{}")).await(), 401, "UNAUTHORIZED");
    assertThat(rt.http.get(SESSIONS).putHeader("Authorization", "Bearer s3cret-token").send().await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("JSON with comments or a second value after the first, overlong UTF-8, multipart forms, wrong methods and a too-long URI "
      + "get JSON errors and change nothing")
  void leniencyEdges(Vertx vertx) {
    TestRuntime rt = start(vertx, Map.of());
    assertError(rt.http.post(SESSIONS).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{/* hi */ \"title\":\"x\"}")).await(), 400, "INVALID_JSON");
    for (String trailing : new String[] {"{\"title\":\"x\"}{\"y\":1}", "{\"title\":\"x\"} garbage", "{\"title\":\"x\"}]"}) {
      assertError(rt.http.post(SESSIONS).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(trailing)).await(),
          400, "INVALID_JSON");
    }
    byte[] overlong = {'{', '"', 't', 'i', 't', 'l', 'e', '"', ':', '"', (byte) 0xC0, (byte) 0xAF, '"', '}'};
    assertError(rt.http.post(SESSIONS).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(overlong)).await(),
        400, "INVALID_JSON");
    assertError(rt.http.post(SESSIONS).putHeader("Content-Type", "multipart/form-data; boundary=XYZ")
        .sendBuffer(Buffer.buffer("--XYZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nx\r\n--XYZ--\r\n")).await(),
        415, "UNSUPPORTED_MEDIA_TYPE");
    assertError(rt.http.put(SESSIONS).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{}")).await(),
        405, "METHOD_NOT_ALLOWED");
    assertError(rt.http.get("/api/agentx/nothing-here").send().await(), 404, "NOT_FOUND");
    String id = newSession(rt);
    for (String postOnly : new String[] {"/cancel", "/workflow/restore", "/approvals/toolu_1"}) {
      HttpResponse<Buffer> refused = rt.http.get(SESSIONS + "/" + id + postOnly).send().await();
      assertError(refused, 405, "METHOD_NOT_ALLOWED");
      assertThat(refused.getHeader("Allow")).as("a 405 names what is allowed (RFC 9110 §15.5.6): " + postOnly).isEqualTo("POST");
    }
    assertThat(rt.http.put(SESSIONS).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{}")).await()
        .getHeader("Allow")).isEqualTo("GET, HEAD, POST");
    assertThat(rt.http.put(SESSIONS + "/" + id).putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer("{}")).await()
        .getHeader("Allow")).isEqualTo("DELETE, GET, HEAD, PATCH");
    assertThat(rt.http.post("/health").send().await().getHeader("Allow")).isEqualTo("GET, HEAD");
    assertThat(rt.http.delete("/index.html").send().await().getHeader("Allow")).as("a page").isEqualTo("GET, HEAD");
    assertThat(rt.http.head(SESSIONS + "/" + id + "/stream").send().await().getHeader("Allow")).isEqualTo("GET");
    for (HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT}) {
      HttpResponse<Buffer> mcp = rt.http.request(method, "/mcp").send().await();
      assertThat(mcp.statusCode()).as(method.name()).isEqualTo(405);
      assertThat(mcp.getHeader("Allow")).as(method.name()).isEqualTo("DELETE, POST");
    }
    assertError(rt.http.get(SESSIONS + "?user_id=" + "u".repeat(10_000)).send().await(), 414, "URI_TOO_LONG");
    assertThat(rt.http.get(SESSIONS).send().await().bodyAsJsonObject().getLong("total")).isEqualTo(1L);
  }

  @Test
  @DisplayName("at DEBUG the request log shows no token, neither the bridge's ?token= nor SockJS's /info?token=")
  void noTokenInTheRequestLog(Vertx vertx) {
    TestRuntime rt = start(vertx, Map.of(AgentXConfig.API_TOKEN, "s3cret-token"));
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    var logged = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    logged.start();
    root.addAppender(logged);
    ch.qos.logback.classic.Logger http = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("agentx.api.HttpApiVerticle");
    ch.qos.logback.classic.Level level = http.getLevel();
    http.setLevel(ch.qos.logback.classic.Level.DEBUG);
    try {
      assertThat(rt.http.get("/eventbus/info?token=s3cret-token").send().await().statusCode()).isEqualTo(200);
      rt.http.get(SESSIONS + "?token=s3cret-token").send().await();
    } finally {
      root.detachAppender(logged);
      http.setLevel(level);
    }
    assertThat(logged.list).anyMatch(e -> e.getFormattedMessage().contains("/eventbus/info?token=***"));
    assertThat(logged.list).noneMatch(e -> e.getFormattedMessage().contains("s3cret-token"));
  }

  @Test
  @DisplayName("GET /tools with no tools service anywhere is a 503 with a code, not an empty list")
  void toolsServiceDown(Vertx vertx) {
    TestRuntime rt = start(vertx, Map.of(AgentXConfig.ROLES, "api,store"));
    assertError(rt.http.get("/api/agentx/tools").send().await(), 503, "SERVICE_UNAVAILABLE");
    JsonObject health = rt.http.get("/health").send().await().bodyAsJsonObject();
    assertThat(health.getString("status")).isEqualTo("degraded");
    assertThat(health.getJsonObject("roles")).isEqualTo(new JsonObject().put("store", "up").put("engine", "down").put("tools", "down"));
    assertThat(health.getString("llm")).isEqualTo("unavailable");
  }

  @Test
  @DisplayName("error codes keep their bus numbers whatever the enum's order")
  void stableErrorCodes() {
    assertThat(ErrorCode.INVALID_JSON.failureCode()).isEqualTo(1000);
    assertThat(ErrorCode.SESSION_NOT_FOUND.failureCode()).isEqualTo(1005);
    assertThat(ErrorCode.INTERNAL.failureCode()).isEqualTo(1013);
    assertThat(ErrorCode.STORE_UNAVAILABLE.failureCode()).isEqualTo(1017);
    assertThat(ErrorCode.TIMEOUT.failureCode()).isEqualTo(1019);
    assertThat(java.util.Arrays.stream(ErrorCode.values()).map(ErrorCode::failureCode).distinct().count())
        .isEqualTo(ErrorCode.values().length);
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(ErrorCode.fromFailureCode(code.failureCode())).isEqualTo(code);
    }
  }

  // --- raw socket helpers ---

  private static String handshake(Socket socket, String path, String extensions) throws Exception {
    String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    String request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: " + extensions + "\r\n\r\n";
    socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  /** A masked client frame; {@code rsv1} marks it compressed (permessage-deflate). */
  private static byte[] frame(int opcode, boolean rsv1, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x80 | (rsv1 ? 0x40 : 0) | opcode);
    int len = payload.length;
    if (len < 126) {
      out.write(0x80 | len);
    } else if (len < 65536) {
      out.write(0x80 | 126);
      out.write(len >> 8);
      out.write(len & 0xff);
    } else {
      out.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        out.write((int) (((long) len >> (8 * i)) & 0xff));
      }
    }
    byte[] mask = {1, 2, 3, 4};
    out.write(mask, 0, 4);
    for (int i = 0; i < len; i++) {
      out.write(payload[i] ^ mask[i % 4]);
    }
    return out.toByteArray();
  }

  /** The status of the first close frame among a server's (unmasked) frames, or -1 when there is none. */
  private static int closeStatus(byte[] frames) {
    int at = 0;
    while (at + 2 <= frames.length) {
      int opcode = frames[at] & 0x0f;
      long len = frames[at + 1] & 0x7f;
      int head = 2;
      if (len == 126) {
        len = ((frames[at + 2] & 0xff) << 8) | (frames[at + 3] & 0xff);
        head = 4;
      } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | (frames[at + 2 + i] & 0xff);
        }
        head = 10;
      }
      if (opcode == 0x8) {
        return len >= 2 && at + head + 2 <= frames.length ? ((frames[at + head] & 0xff) << 8) | (frames[at + head + 1] & 0xff) : -1;
      }
      at += head + (int) len;
    }
    return -1;
  }

  private static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    deflater.setInput(data);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    while (!deflater.finished()) {
      out.write(buf, 0, deflater.deflate(buf));
    }
    return out.toByteArray();
  }

  private static boolean readUntilClosed(InputStream in) {
    try {
      byte[] buf = new byte[8192];
      while (in.read(buf) >= 0) {
        // drain: a close frame, then the end of the stream
      }
      return true;
    } catch (Exception e) {
      return e instanceof java.net.SocketException;
    }
  }

  private static byte[] readAll(InputStream in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) >= 0) {
        out.write(buf, 0, n);
      }
    } catch (Exception e) {
      // a timeout means the server kept the connection open: the caller's assertions say so
    }
    return out.toByteArray();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
