package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.CurrentApiRules;
import agentx.testing.FakeAnthropic;
import agentx.protocol.ToolResult;
import agentx.testing.FakeAnthropic.RecordedRequest;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeTools;
import io.vertx.core.Future;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, context: the window by the API's own count near it, the local estimate far from it or when
 * the API cannot count, and server-side context editing only where the model has it. Real verticles
 * and SQLite against the fake Claude, which counts with its own tokenizer, refuses a prompt larger than
 * the window it is given, and applies the current API's context-management rules.
 */
@ExtendWith(VertxExtension.class)
class ContextManagementTest {
  private static final String SESSIONS = "/api/agentx/sessions";
  private static final String MODEL = "claude-sonnet-5-5";
  private static final long SMALL_WINDOW = 20_000;

  @TempDir Path dir;
  FakeAnthropic claude;
  TestRuntime rt;

  @AfterEach
  void stopFake() {
    if (claude != null) {
      claude.close();
    }
  }

  private void start(Vertx vertx, Map<String, Object> extra) {
    claude = FakeAnthropic.start(vertx).await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, extra)).await();
  }

  /** The default model with a 20,000-token window (AGENTX_MODELS_FILE), and the fake holding it to that window. */
  private void startSmallWindow(Vertx vertx, double fakeCharsPerToken) throws Exception {
    Path models = dir.resolve("small-window.json");
    Files.writeString(models, new JsonObject().put("models", new JsonArray().add(new JsonObject().put("id", MODEL)
        .put("context_window", SMALL_WINDOW))).encode());
    start(vertx, Map.of(AgentXConfig.MODELS_FILE, models.toString()));
    claude.contextWindow(MODEL, SMALL_WINDOW).charsPerToken(fakeCharsPerToken);
  }

  private String session(JsonObject config) {
    HttpResponse<Buffer> r = rt.postJson(SESSIONS, new JsonObject().put("config", config)).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
    return r.bodyAsJsonObject().getString("session_id");
  }

  private void sendAndExpectAnswer(String sessionId, String content) {
    HttpResponse<Buffer> r = rt.postJson(SESSIONS + "/" + sessionId + "/messages", new JsonObject().put("content", content)).await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("content")).isEqualTo("Hello from the fake Claude.");
  }

  /** About 8,000 characters that differ from page to page. */
  private static String page(int n) {
    StringBuilder text = new StringBuilder("page " + n + ":");
    for (int i = 0; text.length() < 8_000; i++) {
      text.append(' ').append("word").append(n * 1000 + i);
    }
    return text.toString();
  }

  private JsonObject lastRequest() {
    List<RecordedRequest> requests = claude.requests();
    return requests.get(requests.size() - 1).body();
  }

  @Test
  @DisplayName("a session whose history is larger than the window still answers: near the window the API counts, and every request fits it by that count")
  void longSessionFitsByTheApiCount(Vertx vertx) throws Exception {
    // the fake's tokenizer counts a token per 1.8 characters, more than the local estimate (4 a token, x1.35)
    // allows for: fitted by the estimate alone, the later requests would be "prompt is too long"
    startSmallWindow(vertx, 1.8);
    String id = session(new JsonObject().put("system", "Be brief.").put("tools_enabled", false));
    for (int i = 0; i < 8; i++) {
      sendAndExpectAnswer(id, page(i));
    }
    assertThat(claude.refusals()).isEmpty();
    assertThat(claude.countRequests()).isNotEmpty();
    for (RecordedRequest count : claude.countRequests()) {
      assertThat(count.body().fieldNames()).doesNotContain("max_tokens", "stream", "context_management");
      assertThat(count.header("x-api-key")).isEqualTo("sk-ant-test-key");
    }
    JsonObject last = lastRequest();
    assertThat(claude.inputTokens(last)).isLessThanOrEqualTo(SMALL_WINDOW - last.getInteger("max_tokens"));
    JsonArray messages = last.getJsonArray("messages");
    assertThat(messages.size()).as("older turns were left out").isLessThan(15);
    assertThat(messages.getJsonObject(0).getString("role")).isEqualTo("user");
    assertThat(messages.getJsonObject(messages.size() - 1).encode()).contains("page 7:");
    // the stored history keeps every turn: only the requests were cut
    JsonArray stored = rt.http.get(SESSIONS + "/" + id + "/messages").send().await().bodyAsJsonObject().getJsonArray("messages");
    assertThat(stored).hasSize(16);
  }

  @Test
  @DisplayName("a gateway without count_tokens (404): the turn falls back to the local estimate, still answers, and the endpoint is not asked again")
  void countTokensMissing(Vertx vertx) throws Exception {
    startSmallWindow(vertx, 3.0);
    claude.countTokensUnavailable();
    String id = session(new JsonObject().put("system", "Be brief.").put("tools_enabled", false));
    for (int i = 0; i < 8; i++) {
      sendAndExpectAnswer(id, page(i));
    }
    assertThat(claude.countRequests()).hasSize(1);
    assertThat(claude.refusals()).isEmpty();
    JsonObject last = lastRequest();
    assertThat(last.getJsonArray("messages").size()).isLessThan(15);
    assertThat(claude.inputTokens(last)).isLessThanOrEqualTo(SMALL_WINDOW);
  }

  @Test
  @DisplayName("a cancel while the request's tokens are being counted ends the turn at once, not when the count comes back")
  void cancelWhileCounting(Vertx vertx) throws Exception {
    startSmallWindow(vertx, 3.0);
    claude.countTokensDelay(java.time.Duration.ofSeconds(6));
    String id = session(new JsonObject().put("tools_enabled", false));
    StringBuilder big = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      big.append(page(i)).append('\n');
    }
    HttpResponse<Buffer> accepted = rt.postJson(SESSIONS + "/" + id + "/messages", new JsonObject().put("content", big.toString())
        .put("wait", false)).await();
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    agentx.testing.Poll.until(java.time.Duration.ofSeconds(10), "the count is asked for", () -> !claude.countRequests().isEmpty());
    long started = System.nanoTime();
    assertThat(rt.postJson(SESSIONS + "/" + id + "/cancel", new JsonObject()).await().statusCode()).isEqualTo(202);
    agentx.testing.Poll.until(java.time.Duration.ofSeconds(10), "the turn ends", () -> "idle".equals(
        rt.http.get(SESSIONS + "/" + id).send().await().bodyAsJsonObject().getString("state")));
    assertThat((System.nanoTime() - started) / 1_000_000).as("ms from the cancel to the turn's end").isLessThan(3_000);
    assertThat(claude.requestCount()).as("no Claude call after the cancel").isZero();
  }

  @Test
  @DisplayName("short conversations are not counted: far from the window no count_tokens round trip is made")
  void shortConversationsAreNotCounted(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(new JsonObject().put("tools_enabled", false));
    for (int i = 0; i < 3; i++) {
      sendAndExpectAnswer(id, "question " + i + ": " + page(i));
    }
    assertThat(claude.requestCount()).isEqualTo(3);
    assertThat(claude.countRequests()).isEmpty();
  }

  @Test
  @DisplayName("context editing is sent, with its beta header, only to models the catalogue marks; never to a model it does not know")
  void contextEditingOnlyWhereTheModelHasIt(Vertx vertx) {
    start(vertx, Map.of());
    sendAndExpectAnswer(session(new JsonObject().put("model", MODEL).put("tools_enabled", false)), "hi");
    RecordedRequest sonnet = claude.requests().get(0);
    assertThat(sonnet.header("anthropic-beta")).isEqualTo(CurrentApiRules.CONTEXT_MANAGEMENT_BETA);
    JsonObject edit = sonnet.body().getJsonObject("context_management").getJsonArray("edits").getJsonObject(0);
    assertThat(edit.getString("type")).isEqualTo("clear_tool_uses_20250919");
    assertThat(edit.getJsonObject("trigger")).isEqualTo(new JsonObject().put("type", "input_tokens").put("value", 500_000));
    assertThat(edit.getJsonObject("keep")).isEqualTo(new JsonObject().put("type", "tool_uses").put("value", 3));

    for (String model : List.of("claude-fable-5-2", "qwen3-coder")) { // not on the page's list; unknown to the catalogue (a gateway's)
      int before = claude.requestCount();
      sendAndExpectAnswer(session(new JsonObject().put("model", model).put("tools_enabled", false)), "hi");
      RecordedRequest request = claude.requests().get(before);
      assertThat(request.body().getString("model")).isEqualTo(model);
      assertThat(request.body().containsKey("context_management")).as(model).isFalse();
      assertThat(request.header("anthropic-beta")).as(model).isNull();
    }
    assertThat(claude.refusals()).isEmpty();
  }

  @Test
  @DisplayName("in a tool loop past the trigger the API clears old tool results; the runtime keeps sending its whole, valid history")
  void serverSideClearingLeavesTheHistoryWhole(Vertx vertx) throws Exception {
    startSmallWindow(vertx, 3.0); // trigger: half of 20,000 tokens
    String bulk = "x".repeat(9_000); // about 3,000 tokens a result by the fake's count
    FakeTools.register(vertx).add("get_weather", call -> Future.succeededFuture(ToolResult.json(new JsonObject().put("data", bulk))));
    for (int i = 0; i < 4; i++) {
      claude.enqueue(Reply.toolUse("", List.of(new ToolUseSpec("toolu_" + i, "get_weather", new JsonObject().put("city", "c" + i)))));
    }
    String id = session(new JsonObject().put("system", "Be brief."));
    sendAndExpectAnswer(id, "the weather in four cities");
    assertThat(claude.refusals()).isEmpty();
    List<RecordedRequest> requests = claude.requests();
    assertThat(requests).hasSize(5);
    JsonObject last = requests.get(4).body();
    assertThat(claude.inputTokens(last)).as("past the trigger").isGreaterThan(SMALL_WINDOW / 2);
    assertThat(claude.lastContextManagement().getJsonArray("applied_edits")).singleElement()
        .satisfies(e -> assertThat(((JsonObject) e).getInteger("cleared_tool_uses")).isEqualTo(1));
    // the request still carries every tool_use with its full result: the clearing is the API's, not the history's
    long fullResults = last.getJsonArray("messages").stream().map(JsonObject.class::cast)
        .flatMap(m -> m.getJsonArray("content").stream().map(JsonObject.class::cast))
        .filter(b -> "tool_result".equals(b.getString("type")) && b.encode().contains(bulk)).count();
    assertThat(fullResults).isEqualTo(4);
    assertThat(last.getJsonObject("context_management")).isNotNull();
  }

  @Test
  @DisplayName("AGENTX_CONTEXT_MANAGEMENT=off: no context editing and no beta header, even for a model that has it")
  void contextManagementOff(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.CONTEXT_MANAGEMENT, "off"));
    sendAndExpectAnswer(session(new JsonObject().put("model", MODEL).put("tools_enabled", false)), "hi");
    RecordedRequest request = claude.requests().get(0);
    assertThat(request.body().containsKey("context_management")).isFalse();
    assertThat(request.header("anthropic-beta")).isNull();
  }

  @Test
  @DisplayName("a gateway's own anthropic-beta header (ANTHROPIC_CUSTOM_HEADERS) is kept, and the context-management beta added to it")
  void customBetaHeaderKept(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.ANTHROPIC_CUSTOM_HEADERS, "anthropic-beta: some-gateway-beta"));
    sendAndExpectAnswer(session(new JsonObject().put("model", MODEL).put("tools_enabled", false)), "hi");
    assertThat(claude.requests().get(0).header("anthropic-beta")).isEqualTo("some-gateway-beta," + CurrentApiRules.CONTEXT_MANAGEMENT_BETA);
    assertThat(claude.refusals()).isEmpty();
  }

  @Test
  @DisplayName("the fake holds to the API: context_management without the beta or for an unlisted model, and count_tokens with max_tokens, are 400")
  void fakeRefusesWhatTheApiRefuses(Vertx vertx) {
    claude = FakeAnthropic.start(vertx).await();
    WebClient http = WebClient.create(vertx);
    JsonObject message = new JsonObject().put("model", MODEL).put("max_tokens", 100)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))
        .put("context_management", new JsonObject().put("edits", new JsonArray().add(new JsonObject().put("type", "clear_tool_uses_20250919"))));
    HttpResponse<Buffer> noBeta = http.postAbs(claude.baseUrl() + "/v1/messages").sendJsonObject(message).await();
    assertThat(noBeta.statusCode()).isEqualTo(400);
    assertThat(noBeta.bodyAsJsonObject().getJsonObject("error").getString("message")).contains("context_management");
    HttpResponse<Buffer> unlisted = http.postAbs(claude.baseUrl() + "/v1/messages").putHeader("anthropic-beta", CurrentApiRules.CONTEXT_MANAGEMENT_BETA)
        .sendJsonObject(message.copy().put("model", "claude-fable-5-2")).await();
    assertThat(unlisted.statusCode()).isEqualTo(400);
    assertThat(unlisted.bodyAsJsonObject().getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    HttpResponse<Buffer> count = http.postAbs(claude.baseUrl() + "/v1/messages/count_tokens")
        .sendJsonObject(message.copy().put("model", "x")).await();
    assertThat(count.statusCode()).isEqualTo(400);
    assertThat(count.bodyAsJsonObject().getJsonObject("error").getString("message")).isEqualTo("max_tokens: Extra inputs are not permitted");
    JsonObject countable = new JsonObject().put("model", MODEL).put("messages", message.getJsonArray("messages"));
    HttpResponse<Buffer> counted = http.postAbs(claude.baseUrl() + "/v1/messages/count_tokens").sendJsonObject(countable).await();
    assertThat(counted.statusCode()).isEqualTo(200);
    assertThat(counted.bodyAsJsonObject().getLong("input_tokens")).isEqualTo(claude.inputTokens(countable)).isPositive();
    http.close();
  }
}
