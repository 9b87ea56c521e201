package agentx.api;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.TestRuntime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class SessionApiTest {
  static final String SESSIONS = "/api/agentx/sessions";

  @TempDir Path dir;
  TestRuntime rt;

  @BeforeEach
  void start(Vertx vertx) {
    rt = TestRuntime.start(vertx, dir).await();
  }

  private HttpResponse<Buffer> post(String path, String contentType, String body) {
    var req = rt.http.post(path);
    if (contentType != null) {
      req.putHeader("Content-Type", contentType);
    }
    return req.sendBuffer(Buffer.buffer(body)).await();
  }

  private long totalSessions() {
    return rt.http.get(SESSIONS).send().await().bodyAsJsonObject().getLong("total");
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    JsonObject body = r.bodyAsJsonObject();
    assertThat(body.getString("code")).isEqualTo(code);
    assertThat(body.getString("error")).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  @DisplayName("POST /sessions creates an idle session with the seed's fields")
  void createSession() {
    var r = post(SESSIONS, "application/json", "{\"user_id\":\"user-123\",\"title\":\"Debug Session\",\"config\":{\"model\":\"claude-x\"}}");
    assertThat(r.statusCode()).isEqualTo(201);
    JsonObject s = r.bodyAsJsonObject();
    assertThat(s.getString("session_id")).matches("[0-9a-f-]{36}");
    assertThat(s.getString("state")).isEqualTo("idle");
    assertThat(s.getString("user_id")).isEqualTo("user-123");
    assertThat(s.getString("title")).isEqualTo("Debug Session");
    assertThat(s.getJsonObject("config")).isEqualTo(new JsonObject().put("model", "claude-x"));
    assertThat(s.getLong("message_count")).isZero();
    assertThat(s.getString("created_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(s.getString("updated_at")).isEqualTo(s.getString("created_at"));
  }

  @Test
  @DisplayName("POST /sessions with no body at all creates a session with defaults")
  void createWithoutBody() {
    var r = rt.http.post(SESSIONS).send().await();
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.bodyAsJsonObject().getJsonObject("config")).isEmpty();
  }

  @Test
  @DisplayName("GET /sessions lists newest first with total, offset, limit and filters by user")
  void listSessions() {
    for (int i = 0; i < 3; i++) {
      rt.createSession(new JsonObject().put("user_id", i == 0 ? "alice" : "bob").put("title", "s" + i)).await();
    }
    JsonObject all = rt.http.get(SESSIONS + "?limit=2").send().await().bodyAsJsonObject();
    assertThat(all.getLong("total")).isEqualTo(3);
    assertThat(all.getInteger("limit")).isEqualTo(2);
    assertThat(all.getInteger("offset")).isZero();
    JsonArray page = all.getJsonArray("sessions");
    assertThat(page).hasSize(2);
    assertThat(page.getJsonObject(0).getString("title")).isEqualTo("s2");
    JsonObject next = rt.http.get(SESSIONS + "?limit=2&offset=2").send().await().bodyAsJsonObject();
    assertThat(next.getJsonArray("sessions").getJsonObject(0).getString("title")).isEqualTo("s0");
    JsonObject bobs = rt.http.get(SESSIONS + "?user_id=bob").send().await().bodyAsJsonObject();
    assertThat(bobs.getLong("total")).isEqualTo(2);
    assertThat(bobs.getJsonArray("sessions")).allMatch(s -> ((JsonObject) s).getString("user_id").equals("bob"));
  }

  @Test
  @DisplayName("GET, PATCH and DELETE /sessions/{id} read, change and remove one session")
  void getPatchDelete() {
    String id = rt.createSession(new JsonObject().put("title", "old")).await().getString("session_id");
    assertThat(rt.http.get(SESSIONS + "/" + id).send().await().bodyAsJsonObject().getString("title")).isEqualTo("old");

    var patched = rt.http.patch(SESSIONS + "/" + id).putHeader("Content-Type", "application/json")
        .sendJsonObject(new JsonObject().put("title", "new").put("config", new JsonObject().put("max_tokens", 100))).await();
    assertThat(patched.statusCode()).isEqualTo(200);
    assertThat(patched.bodyAsJsonObject().getString("title")).isEqualTo("new");
    assertThat(patched.bodyAsJsonObject().getJsonObject("config").getInteger("max_tokens")).isEqualTo(100);
    assertThat(rt.http.get(SESSIONS + "/" + id).send().await().bodyAsJsonObject().getString("title")).isEqualTo("new");

    assertThat(rt.http.delete(SESSIONS + "/" + id).send().await().statusCode()).isEqualTo(204);
    assertError(rt.http.get(SESSIONS + "/" + id).send().await(), 404, "SESSION_NOT_FOUND");
    assertError(rt.http.delete(SESSIONS + "/" + id).send().await(), 404, "SESSION_NOT_FOUND");
  }

  @Test
  @DisplayName("GET /sessions/{id}/messages is an empty page for a new session")
  void emptyMessages() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    JsonObject page = rt.http.get(SESSIONS + "/" + id + "/messages").send().await().bodyAsJsonObject();
    assertThat(page.getJsonArray("messages")).isEmpty();
    assertThat(page.getLong("total")).isZero();
  }

  @Test
  @DisplayName("GET /health answers healthy with the database up")
  void health() {
    for (String path : List.of("/health", "/api/agentx/health")) {
      var r = rt.http.get(path).send().await();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.bodyAsJsonObject().getString("status")).isEqualTo("healthy");
      assertThat(r.bodyAsJsonObject().getString("database")).isEqualTo("up");
      assertThat(r.bodyAsJsonObject().getString("llm")).isEqualTo("not_configured");
    }
  }

  @Test
  @DisplayName("malformed JSON is 400 INVALID_JSON and creates nothing")
  void malformedJson() {
    assertError(post(SESSIONS, "application/json", "{\"title\": "), 400, "INVALID_JSON");
    assertThat(totalSessions()).isZero();
  }

  @Test
  @DisplayName("wrong field types are 400 VALIDATION_FAILED naming the field, and create nothing")
  void wrongTypes() {
    var title = post(SESSIONS, "application/json", "{\"title\": 42}");
    assertError(title, 400, "VALIDATION_FAILED");
    assertThat(title.bodyAsJsonObject().getString("error")).contains("title");
    var user = post(SESSIONS, "application/json", "{\"user_id\": [1]}");
    assertError(user, 400, "VALIDATION_FAILED");
    assertThat(user.bodyAsJsonObject().getString("error")).contains("user_id");
    var config = post(SESSIONS, "application/json", "{\"config\": \"x\"}");
    assertError(config, 400, "VALIDATION_FAILED");
    assertError(post(SESSIONS, "application/json", "[1,2]"), 400, "VALIDATION_FAILED");
    assertThat(totalSessions()).isZero();
  }

  @Test
  @DisplayName("an unknown config key or a wrong config type is 400 VALIDATION_FAILED naming config.<key>")
  void badConfig() {
    var unknown = post(SESSIONS, "application/json", "{\"config\": {\"modle\": \"x\"}}");
    assertError(unknown, 400, "VALIDATION_FAILED");
    assertThat(unknown.bodyAsJsonObject().getString("error")).contains("config.modle");
    var wrongType = post(SESSIONS, "application/json", "{\"config\": {\"max_tokens\": \"many\"}}");
    assertError(wrongType, 400, "VALIDATION_FAILED");
    assertThat(wrongType.bodyAsJsonObject().getString("error")).contains("config.max_tokens");
    assertThat(totalSessions()).isZero();
  }

  @Test
  @DisplayName("PATCH with bad input changes nothing")
  void badPatchChangesNothing() {
    String id = rt.createSession(new JsonObject().put("title", "keep")).await().getString("session_id");
    var r = rt.http.patch(SESSIONS + "/" + id).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{\"title\":\"x\",\"config\":{\"bogus\":1}}")).await();
    assertError(r, 400, "VALIDATION_FAILED");
    assertThat(rt.http.get(SESSIONS + "/" + id).send().await().bodyAsJsonObject().getString("title")).isEqualTo("keep");
  }

  @Test
  @DisplayName("a session id that is not a UUID is 400 INVALID_SESSION_ID on every route")
  void invalidSessionId() {
    assertError(rt.http.get(SESSIONS + "/not-a-uuid").send().await(), 400, "INVALID_SESSION_ID");
    assertError(rt.http.delete(SESSIONS + "/123").send().await(), 400, "INVALID_SESSION_ID");
    assertError(rt.http.get(SESSIONS + "/xyz/messages").send().await(), 400, "INVALID_SESSION_ID");
    assertError(rt.http.patch(SESSIONS + "/xyz").putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{}")).await(), 400, "INVALID_SESSION_ID");
  }

  @Test
  @DisplayName("an unknown session is 404 SESSION_NOT_FOUND")
  void unknownSession() {
    String unknown = "00000000-0000-4000-8000-000000000000";
    assertError(rt.http.get(SESSIONS + "/" + unknown).send().await(), 404, "SESSION_NOT_FOUND");
    assertError(rt.http.get(SESSIONS + "/" + unknown + "/messages").send().await(), 404, "SESSION_NOT_FOUND");
    assertError(rt.http.patch(SESSIONS + "/" + unknown).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{\"title\":\"t\"}")).await(), 404, "SESSION_NOT_FOUND");
  }

  @Test
  @DisplayName("a body over the limit is 413 PAYLOAD_TOO_LARGE and creates nothing")
  void tooLarge() {
    String big = "{\"title\":\"" + "x".repeat(1024 * 1024 + 10) + "\"}";
    assertError(post(SESSIONS, "application/json", big), 413, "PAYLOAD_TOO_LARGE");
    assertThat(totalSessions()).isZero();
  }

  @Test
  @DisplayName("a non-JSON content type is 415 UNSUPPORTED_MEDIA_TYPE and creates nothing")
  void wrongContentType() {
    assertError(post(SESSIONS, "text/plain", "{\"title\":\"x\"}"), 415, "UNSUPPORTED_MEDIA_TYPE");
    assertError(post(SESSIONS, null, "{\"title\":\"x\"}"), 415, "UNSUPPORTED_MEDIA_TYPE");
    assertThat(totalSessions()).isZero();
  }

  @Test
  @DisplayName("bad paging parameters are 400 VALIDATION_FAILED")
  void badPaging() {
    assertError(rt.http.get(SESSIONS + "?limit=101").send().await(), 400, "VALIDATION_FAILED");
    assertError(rt.http.get(SESSIONS + "?limit=abc").send().await(), 400, "VALIDATION_FAILED");
    assertError(rt.http.get(SESSIONS + "?offset=-1").send().await(), 400, "VALIDATION_FAILED");
  }

  @Test
  @DisplayName("unknown API paths answer 404 with the JSON error body")
  void unknownPath() {
    assertError(rt.http.get("/api/agentx/nope").send().await(), 404, "NOT_FOUND");
  }

  @Test
  @DisplayName("200 parallel session creations all succeed and nothing logs \"database is locked\"")
  void parallelCreations() {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged = new ch.qos.logback.core.read.ListAppender<>();
    logged.start();
    root.addAppender(logged);
    ch.qos.logback.classic.Logger http = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("agentx.api.HttpApiVerticle");
    ch.qos.logback.classic.Level level = http.getLevel();
    http.setLevel(ch.qos.logback.classic.Level.DEBUG);
    List<Future<HttpResponse<Buffer>>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(rt.postJson(SESSIONS, new JsonObject().put("title", "parallel " + i)));
    }
    Future.all(all).await();
    assertThat(all).allSatisfy(f -> assertThat(f.result().statusCode()).as(f.result().bodyAsString()).isEqualTo(201));
    assertThat(totalSessions()).isEqualTo(200);
    root.detachAppender(logged);
    http.setLevel(level);
    assertThat(logged.list).noneMatch(e -> String.valueOf(e.getFormattedMessage()).contains("database is locked")
        || e.getThrowableProxy() != null && String.valueOf(e.getThrowableProxy().getMessage()).contains("database is locked"));
    // at DEBUG, one line per request (which also shows the appender saw the server's logs)
    assertThat(logged.list).filteredOn(e -> e.getFormattedMessage().startsWith("POST /api/agentx/sessions 201")).hasSize(200);
  }
}
