package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.protocol.Addresses;
import agentx.protocol.ToolResult;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeTools;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class TurnApiTest {
  @TempDir Path dir;
  FakeAnthropic claude;
  TestRuntime rt;

  private void start(Vertx vertx, Map<String, Object> extra) {
    claude = FakeAnthropic.start(vertx).await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, extra)).await();
  }

  @AfterEach
  void stopFake() {
    if (claude != null) {
      claude.close();
    }
  }

  private String newSession() {
    return rt.createSession(new JsonObject()).await().getString("session_id");
  }

  private HttpResponse<Buffer> send(String sessionId, String content) {
    return rt.postJson("/api/agentx/sessions/" + sessionId + "/messages", new JsonObject().put("content", content)).await();
  }

  private JsonArray events(String sessionId, long after) {
    return rt.http.get("/api/agentx/sessions/" + sessionId + "/events?after=" + after).send().await()
        .bodyAsJsonObject().getJsonArray("events");
  }

  private static List<String> shape(JsonArray events) {
    return events.stream().map(e -> (JsonObject) e).map(e -> switch (e.getString("type")) {
      case "state" -> "state:" + e.getJsonObject("data").getString("state");
      case "message" -> "message:" + e.getJsonObject("data").getString("role");
      default -> e.getString("type");
    }).collect(Collectors.toList());
  }

  private static void assertContiguous(JsonArray events, long firstSeq) {
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.getJsonObject(i).getLong("seq")).isEqualTo(firstSeq + i);
    }
  }

  @Test
  @DisplayName("a page of messages says its session's last turn event's seq, read before the messages: 0, then each turn's end")
  void messagesSayLastTurnSeq(Vertx vertx) {
    start(vertx, Map.of());
    String id = newSession();
    JsonObject empty = rt.http.get("/api/agentx/sessions/" + id + "/messages").send().await().bodyAsJsonObject();
    assertThat(empty.getLong("last_turn_seq")).isZero();
    for (String question : List.of("Hello", "Again")) {
      claude.enqueue(Reply.transcript("sse_text.sse"));
      assertThat(send(id, question).statusCode()).isEqualTo(200);
      JsonArray log = events(id, 0);
      JsonObject last = log.getJsonObject(log.size() - 1);
      assertThat(last.getString("type")).isEqualTo("turn");
      JsonObject page = rt.http.get("/api/agentx/sessions/" + id + "/messages?limit=1").send().await().bodyAsJsonObject();
      assertThat(page.getLong("last_turn_seq")).isEqualTo(last.getLong("seq"));
    }
  }

  @Test
  @DisplayName("a text turn answers the transcript's text; stream tokens spell it; events follow §4.2 with contiguous seq")
  void textTurn(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.transcript("sse_text.sse"));
    String id = newSession();
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").await();

    HttpResponse<Buffer> r = send(id, "Hello");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    JsonObject reply = r.bodyAsJsonObject();
    assertThat(reply.getString("content")).isEqualTo("Hello!");
    assertThat(reply.getString("role")).isEqualTo("assistant");
    assertThat(reply.getString("stop_reason")).isEqualTo("end_turn");
    assertThat(reply.getLong("input_tokens")).isEqualTo(25);
    assertThat(reply.getLong("output_tokens")).isEqualTo(15);
    assertThat(reply.getJsonArray("tool_calls")).isEmpty();

    ws.await(WsClient.turnEvent()).await();
    String streamed = ws.frames.stream().filter(f -> "stream".equals(f.getString("type")))
        .map(f -> f.getString("data")).collect(Collectors.joining());
    assertThat(streamed).isEqualTo("Hello!");

    JsonArray log = events(id, 0);
    // this runtime has no tools service: the turn goes on without tools and says so in a state warning (found once
    // the call may go, after "thinking", which is shown with the user's message)
    assertThat(shape(log)).containsExactly("message:user", "state:thinking", "state:warning", "state:responding", "stream", "stream",
        "message:assistant", "state:done", "turn");
    assertThat(log.getJsonObject(2).getJsonObject("data").getJsonObject("progress").getString("code")).isEqualTo("SERVICE_UNAVAILABLE");
    assertContiguous(log, 1);
    assertThat(log.stream().map(e -> ((JsonObject) e).getString("turn_id")).distinct()).containsExactly(reply.getString("turn_id"));
    assertThat(ws.frames).hasSize(log.size());
    JsonObject turn = log.getJsonObject(log.size() - 1).getJsonObject("data");
    assertThat(turn.getString("status")).isEqualTo("completed");
    assertThat(turn.getLong("total_tokens")).isEqualTo(40);
    assertThat(turn.getString("assistant_message_id")).isEqualTo(reply.getString("message_id"));
    assertThat(turn.getDouble("cost_usd")).isGreaterThan(0.0);

    var request = claude.requests().get(0);
    assertThat(request.header("x-api-key")).isEqualTo("sk-ant-test-key");
    assertThat(request.header("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(request.body().getBoolean("stream")).isTrue();
    assertThat(request.body().getJsonArray("messages")).hasSize(1);
    assertThat(request.body().containsKey("tools")).isFalse();

    JsonObject messages = rt.http.get("/api/agentx/sessions/" + id + "/messages").send().await().bodyAsJsonObject();
    assertThat(messages.getLong("total")).isEqualTo(2);
    assertThat(messages.getJsonArray("messages").getJsonObject(1).getString("content")).isEqualTo("Hello!");
    JsonObject session = rt.http.get("/api/agentx/sessions/" + id).send().await().bodyAsJsonObject();
    assertThat(session.getString("state")).isEqualTo("idle");
    assertThat(session.getLong("message_count")).isEqualTo(2);
  }

  /**
   * The store publishes each committed batch of a session as one message on the session's address
   * (envelopes joined by newlines), so a subscriber sees which events travelled together. With the
   * answer streamed slowly (each token alone), the first token must not wait for a store round trip
   * of the "responding" state emitted just before it; the last answer, stored with the turn's end in
   * one transaction, is published with the "done" state and the turn summary.
   */
  @Test
  @DisplayName("events emitted in one step are stored and published together: 'responding' with the first token, the answer with 'done' and the turn")
  void emittedTogetherTravelTogether(Vertx vertx) {
    start(vertx, Map.of());
    String id = newSession();
    List<String> publications = new CopyOnWriteArrayList<>();
    vertx.eventBus().<Object>consumer(Addresses.sessionEvents(id), m -> publications.add(String.join(" ",
        shape(new JsonArray(Arrays.stream(m.body().toString().split("\n")).map(JsonObject::new).toList()))))).completion().await();

    claude.enqueue(Reply.text("one two three four").delayPerEvent(Duration.ofMillis(40)));
    assertThat(send(id, "Count").statusCode()).isEqualTo(200);

    assertThat(publications).as("publications of the turn, in order").contains("state:responding stream", "message:assistant state:done turn");
    assertThat(publications).doesNotContain("state:responding", "state:done", "message:assistant");
    assertContiguous(events(id, 0), 1);
  }

  @Test
  @DisplayName("sse_thinking.sse: the answer is the text block only; the thinking block and its signature go back unchanged")
  void thinkingTurn(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.transcript("sse_thinking.sse")).enqueue(Reply.text("Still 12,231."));
    String id = newSession();
    HttpResponse<Buffer> first = send(id, "What is 27 * 453?");
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    assertThat(first.bodyAsJsonObject().getString("content")).contains("12,231").doesNotContain("step by step");
    assertThat(events(id, 0).stream().map(e -> (JsonObject) e).filter(e -> "stream".equals(e.getString("type")))
        .map(e -> e.getString("data")).collect(Collectors.joining())).isEqualTo(first.bodyAsJsonObject().getString("content"));

    assertThat(send(id, "Sure?").statusCode()).isEqualTo(200);
    JsonObject echoed = claude.requests().get(1).body().getJsonArray("messages").getJsonObject(1);
    assertThat(echoed.getString("role")).isEqualTo("assistant");
    JsonObject thinking = echoed.getJsonArray("content").getJsonObject(0);
    assertThat(thinking.getString("type")).isEqualTo("thinking");
    assertThat(thinking.getString("thinking")).startsWith("Let me solve this step by step:").endsWith("= 12,231");
    assertThat(thinking.getString("signature")).isEqualTo("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...");
  }

  @Test
  @DisplayName("stream_thinking:true adds the thinking deltas as stream events marked kind:thinking; the answer tokens stay unmarked")
  void streamThinking(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.transcript("sse_thinking.sse"));
    String id = rt.createSession(new JsonObject().put("config", new JsonObject().put("stream_thinking", true))).await().getString("session_id");
    HttpResponse<Buffer> r = send(id, "What is 27 * 453?");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    List<JsonObject> streams = events(id, 0).stream().map(e -> (JsonObject) e).filter(e -> "stream".equals(e.getString("type"))).toList();
    String thinking = streams.stream().filter(e -> "thinking".equals(e.getString("kind"))).map(e -> e.getString("data")).collect(Collectors.joining());
    String text = streams.stream().filter(e -> !e.containsKey("kind")).map(e -> e.getString("data")).collect(Collectors.joining());
    assertThat(thinking).startsWith("Let me solve this step by step:").endsWith("= 12,231");
    assertThat(text).isEqualTo(r.bodyAsJsonObject().getString("content"));
  }

  @Test
  @DisplayName("the second turn sends the first turn's messages as history and continues the seq")
  void secondTurnHasHistory(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.text("First answer.")).enqueue(Reply.text("Second answer."));
    String id = newSession();
    send(id, "one");
    JsonObject second = send(id, "two").bodyAsJsonObject();
    assertThat(second.getString("content")).isEqualTo("Second answer.");
    JsonArray messages = claude.requests().get(1).body().getJsonArray("messages");
    assertThat(messages).hasSize(3);
    assertThat(messages.getJsonObject(1).getString("role")).isEqualTo("assistant");
    assertThat(messages.getJsonObject(1).getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("First answer.");
    assertContiguous(events(id, 0), 1);
  }

  @Test
  @DisplayName("parallel tool_use blocks run together; all results go back in ONE user message; tools sent on every call")
  void toolLoop(Vertx vertx) {
    start(vertx, Map.of());
    FakeTools tools = FakeTools.register(vertx)
        .add("get_weather", call -> Future.succeededFuture(ToolResult.json(new JsonObject().put("temp_c", 18))))
        .add("get_time", call -> Future.succeededFuture(ToolResult.json(new JsonObject().put("time", "10:00"))));
    claude.enqueue(Reply.transcript("sse_tool_use_parallel_constructed.sse")).enqueue(Reply.text("It is 18 °C at 10:00."));
    String id = newSession();
    JsonObject reply = send(id, "Weather and time in Paris?").bodyAsJsonObject();

    assertThat(reply.getString("content")).isEqualTo("It is 18 °C at 10:00.");
    assertThat(tools.calls).hasSize(2);
    JsonArray calls = reply.getJsonArray("tool_calls");
    assertThat(calls).hasSize(2);
    assertThat(calls.getJsonObject(0).getString("name")).isEqualTo("get_weather");
    assertThat(calls.getJsonObject(0).getJsonObject("arguments").getString("location")).isEqualTo("Paris, France");
    assertThat(calls.getJsonObject(0).getJsonObject("result").getInteger("temp_c")).isEqualTo(18);

    assertThat(claude.requests()).hasSize(2);
    assertThat(claude.requests()).allSatisfy(req -> assertThat(req.body().getJsonArray("tools")).hasSize(2));
    // prompt caching: a breakpoint on the system prompt and on the last tool (DESIGN §5)
    assertThat(claude.requests()).allSatisfy(req -> {
      JsonArray system = req.body().getJsonArray("system");
      assertThat(system.getJsonObject(system.size() - 1).getJsonObject("cache_control").getString("type")).isEqualTo("ephemeral");
      JsonArray sent = req.body().getJsonArray("tools");
      assertThat(sent.getJsonObject(sent.size() - 1).getJsonObject("cache_control").getString("type")).isEqualTo("ephemeral");
      assertThat(sent.getJsonObject(0).containsKey("cache_control")).isFalse();
    });
    JsonArray continuation = claude.requests().get(1).body().getJsonArray("messages");
    assertThat(continuation).hasSize(3);
    JsonObject echoed = continuation.getJsonObject(1);
    assertThat(echoed.getString("role")).isEqualTo("assistant");
    List<JsonObject> toolUses = echoed.getJsonArray("content").stream().map(b -> (JsonObject) b)
        .filter(b -> "tool_use".equals(b.getString("type"))).toList();
    assertThat(toolUses).hasSize(2);
    assertThat(toolUses.get(0).getJsonObject("input")).isEqualTo(new JsonObject().put("location", "Paris, France"));
    JsonObject results = continuation.getJsonObject(2);
    assertThat(results.getString("role")).isEqualTo("user");
    assertThat(results.getJsonArray("content")).hasSize(2);
    assertThat(results.getJsonArray("content")).allSatisfy(b -> {
      JsonObject block = (JsonObject) b;
      assertThat(block.getString("type")).isEqualTo("tool_result");
      assertThat(block.getBoolean("is_error")).isFalse();
    });
    JsonObject first = results.getJsonArray("content").getJsonObject(0);
    assertThat(first.getString("tool_use_id")).isEqualTo(toolUses.get(0).getString("id"));
    assertThat(new JsonObject(first.getJsonArray("content").getJsonObject(0).getString("text")).getInteger("temp_c")).isEqualTo(18);

    List<String> shape = shape(events(id, 0));
    assertThat(shape).containsSubsequence("state:calling_tool", "message:assistant", "state:tool_result", "message:user",
        "state:thinking", "message:assistant", "state:done", "turn");
    assertThat(shape.stream().filter("turn"::equals)).hasSize(1);
  }

  @Test
  @DisplayName("an unknown tool gets an is_error result and the turn goes on")
  void unknownTool(Vertx vertx) {
    start(vertx, Map.of());
    FakeTools.register(vertx).add("get_weather", call -> Future.succeededFuture(ToolResult.json("sunny")));
    claude.enqueue(Reply.toolUse("Let me check.", List.of(new ToolUseSpec("toolu_1", "no_such_tool", new JsonObject()))))
        .enqueue(Reply.text("That tool does not exist."));
    String id = newSession();
    JsonObject reply = send(id, "go").bodyAsJsonObject();
    assertThat(reply.getString("content")).isEqualTo("That tool does not exist.");
    JsonObject result = claude.requests().get(1).body().getJsonArray("messages").getJsonObject(2).getJsonArray("content").getJsonObject(0);
    assertThat(result.getBoolean("is_error")).isTrue();
    assertThat(result.encode()).contains("Unknown tool");
    assertThat(reply.getJsonArray("tool_calls").getJsonObject(0).getString("error")).contains("Unknown tool");
  }

  @Test
  @DisplayName("a 529 is retried with a state retrying event and the turn succeeds")
  void overloadedThenSuccess(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.status(529, Map.of("content-type", "application/json", "retry-after-ms", "50"),
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
    claude.enqueue(Reply.transcript("sse_text.sse"));
    String id = newSession();
    HttpResponse<Buffer> r = send(id, "hi");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("content")).isEqualTo("Hello!");
    JsonObject retrying = events(id, 0).stream().map(e -> (JsonObject) e)
        .filter(e -> "retrying".equals(e.getJsonObject("data").getString("state"))).findFirst().orElseThrow();
    assertThat(retrying.getJsonObject("data").getJsonObject("progress").getInteger("attempt")).isEqualTo(1);
    assertThat(retrying.getJsonObject("data").getJsonObject("progress").getLong("delay_ms")).isEqualTo(50);
  }

  @Test
  @DisplayName("a 429 past the retries answers 429 LLM_RATE_LIMITED with Retry-After from the upstream and the turn failed")
  void rateLimited(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.LLM_MAX_RETRIES, 0));
    claude.enqueue(Reply.httpError(429));
    String id = newSession();
    HttpResponse<Buffer> r = send(id, "Hello");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(429);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("LLM_RATE_LIMITED");
    assertThat(r.getHeader("Retry-After")).isEqualTo("11");
    assertThat(r.bodyAsJsonObject().getJsonObject("details").getLong("retry_after_s")).isEqualTo(11);
    JsonArray log = events(id, 0);
    assertThat(log.getJsonObject(log.size() - 1).getJsonObject("data").getString("status")).isEqualTo("failed");
  }

  @Test
  @DisplayName("a 401 fails the turn with 502 LLM_ERROR, state error and turn failed; the session is usable after")
  void unauthorized(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.httpError(401)).enqueue(Reply.text("Back again."));
    String id = newSession();
    HttpResponse<Buffer> r = send(id, "hi");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("LLM_ERROR");
    assertThat(r.bodyAsJsonObject().getString("error")).contains("invalid x-api-key").doesNotContain("sk-ant-test-key");
    assertThat(claude.requestCount()).isEqualTo(1);
    List<String> shape = shape(events(id, 0));
    assertThat(shape).endsWith("state:error", "turn");
    JsonObject turn = events(id, 0).stream().map(e -> (JsonObject) e).filter(e -> "turn".equals(e.getString("type")))
        .findFirst().orElseThrow().getJsonObject("data");
    assertThat(turn.getString("status")).isEqualTo("failed");
    assertThat(rt.http.get("/api/agentx/sessions/" + id).send().await().bodyAsJsonObject().getString("state")).isNotEqualTo("processing");
    assertThat(send(id, "again").bodyAsJsonObject().getString("content")).isEqualTo("Back again.");
  }

  @Test
  @DisplayName("an error event after HTTP 200 fails the turn with 503 LLM_OVERLOADED and is not retried")
  void midStreamError(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.transcript("sse_error_overloaded.sse")).enqueue(Reply.text("Fine now."));
    String id = newSession();
    HttpResponse<Buffer> r = send(id, "hi");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("LLM_OVERLOADED");
    assertThat(claude.requestCount()).isEqualTo(1);
    assertThat(send(id, "again").bodyAsJsonObject().getString("content")).isEqualTo("Fine now.");
  }

  @Test
  @DisplayName("a stream cut before message_stop fails the turn with LLM_ERROR")
  void droppedConnection(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.transcript("sse_text.sse").closeAfterEvents(4)).enqueue(Reply.text("ok"));
    String id = newSession();
    HttpResponse<Buffer> r = send(id, "hi");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("LLM_ERROR");
    assertThat(claude.requestCount()).isEqualTo(1);
    assertThat(send(id, "again").statusCode()).isEqualTo(200);
  }

  /** Asks for a slow answer (a token every 300 ms) in session {@code id}; returns once its first token reached {@code ws}. */
  private Future<HttpResponse<Buffer>> slowTurnStreaming(String id, WsClient ws) {
    claude.enqueue(Reply.text("one two three four five six seven eight nine ten eleven twelve").delayPerEvent(Duration.ofMillis(300)));
    Future<HttpResponse<Buffer>> pending = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "count"));
    ws.await(f -> "stream".equals(f.getString("type"))).await();
    return pending;
  }

  @Test
  @DisplayName("cancel ends a streaming turn within a second, keeps the partial text and stops reading upstream")
  void cancelMidStream(Vertx vertx) {
    start(vertx, Map.of());
    String id = newSession();
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").await();
    Future<HttpResponse<Buffer>> pending = slowTurnStreaming(id, ws);

    long t0 = System.nanoTime();
    HttpResponse<Buffer> cancel = rt.postJson("/api/agentx/sessions/" + id + "/cancel", new JsonObject()).await();
    assertThat(cancel.statusCode()).isEqualTo(202);
    assertThat(cancel.bodyAsJsonObject().getBoolean("cancelled")).isTrue();
    HttpResponse<Buffer> r = pending.await();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(ms).isLessThan(1000);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getString("stop_reason")).isEqualTo("cancelled");
    assertThat(r.bodyAsJsonObject().getString("content")).isNotEmpty().startsWith("one");
    claude.awaitAbortedStreams(1).await();

    List<String> shape = shape(events(id, 0));
    assertThat(shape).endsWith("message:assistant", "state:cancelled", "turn");
    JsonObject turn = ws.await(WsClient.turnEvent()).await();
    assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("cancelled");
    assertThat(turn.getJsonObject("data").getLong("input_tokens")).as("the cut call's input, billed by the API, is counted")
        .isPositive();
    assertThat(turn.getJsonObject("data").getLong("llm_calls")).isEqualTo(1L);
    assertThat(rt.http.get("/api/agentx/sessions/" + id).send().await().bodyAsJsonObject().getString("state")).isEqualTo("idle");
    // nothing running: a second cancel says so
    assertThat(rt.postJson("/api/agentx/sessions/" + id + "/cancel", new JsonObject()).await().bodyAsJsonObject()
        .getBoolean("cancelled")).isFalse();
  }

  @Test
  @DisplayName("a session deleted while its turn streams: the waiting message gets 404 SESSION_NOT_FOUND, not a store outage, "
      + "and Claude's stream is let go")
  void deletedMidTurn(Vertx vertx) {
    start(vertx, Map.of());
    String id = newSession();
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").await();
    Future<HttpResponse<Buffer>> pending = slowTurnStreaming(id, ws);

    assertThat(rt.http.delete("/api/agentx/sessions/" + id).send().await().statusCode()).isEqualTo(204);
    HttpResponse<Buffer> r = pending.await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(404);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("SESSION_NOT_FOUND");
    claude.awaitAbortedStreams(1).await();
    assertThat(rt.http.get("/api/agentx/sessions/" + id).send().await().statusCode()).isEqualTo(404);
    assertThat(rt.http.get("/api/agentx/sessions").send().await().bodyAsJsonObject().getLong("total")).isZero();
  }

  @Test
  @DisplayName("busy session, queue policy: two messages at once run one after the other")
  void busyQueued(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.text("first").delayPerEvent(Duration.ofMillis(30))).enqueue(Reply.text("second"));
    String id = newSession();
    var a = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "a"));
    var b = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "b"));
    Future.all(a, b).await();
    assertThat(a.result().statusCode()).isEqualTo(200);
    assertThat(b.result().statusCode()).isEqualTo(200);
    JsonArray log = events(id, 0);
    assertContiguous(log, 1);
    // the turns do not interleave: all events of one turn come before the other's
    List<String> turnIds = log.stream().map(e -> ((JsonObject) e).getString("turn_id")).toList();
    assertThat(turnIds.stream().distinct()).hasSize(2);
    int switchIndex = turnIds.indexOf(turnIds.get(turnIds.size() - 1));
    assertThat(turnIds.subList(switchIndex, turnIds.size())).allMatch(t -> t.equals(turnIds.get(turnIds.size() - 1)));
  }

  @Test
  @DisplayName("busy session, reject policy: the second message is 409 SESSION_BUSY")
  void busyRejected(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.BUSY_POLICY, "reject"));
    claude.enqueue(Reply.text("slow answer here").delayPerEvent(Duration.ofMillis(100)));
    String id = newSession();
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").await();
    var first = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "a"));
    ws.await(f -> "stream".equals(f.getString("type"))).await();
    HttpResponse<Buffer> second = send(id, "b");
    assertThat(second.statusCode()).isEqualTo(409);
    assertThat(second.bodyAsJsonObject().getString("code")).isEqualTo("SESSION_BUSY");
    assertThat(first.await().statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("reject policy: a turn whose session the store has running on another engine node is 409 SESSION_BUSY naming that turn, and stores nothing")
  void busyElsewhereRejected(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.BUSY_POLICY, "reject"));
    String id = newSession();
    String other = java.util.UUID.randomUUID().toString();
    new agentx.protocol.StoreClient(vertx).beginTurn(new agentx.protocol.BeginTurn(other, id, "another-engine-node",
        new agentx.protocol.StoredMessage(java.util.UUID.randomUUID().toString(), id, other, "user", "elsewhere", null, null, 0, 0, null,
            null, null))).await();
    HttpResponse<Buffer> refused = send(id, "b");
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(409);
    assertThat(refused.bodyAsJsonObject().getString("code")).isEqualTo("SESSION_BUSY");
    assertThat(refused.bodyAsJsonObject().getJsonObject("details").getJsonObject("running_turn").getString("turn_id")).isEqualTo(other);
    assertThat(rt.http.get("/api/agentx/sessions/" + id + "/turns").send().await().bodyAsJsonObject().getJsonArray("turns"))
        .as("only the other node's turn").hasSize(1);
    assertThat(claude.requests()).isEmpty();
  }

  @Test
  @DisplayName("a WebSocket opened with after=N in the middle of a turn gets every later event exactly once, in order")
  void resumeMidTurn(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.text("alpha beta gamma delta epsilon zeta eta theta").delayPerEvent(Duration.ofMillis(40)));
    String id = newSession();
    WsClient first = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream?after=0").await();
    var pending = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "go"));
    first.await(f -> "stream".equals(f.getString("type"))).await();
    first.close().await();
    long lastSeen = first.frames.get(first.frames.size() - 1).getLong("seq");

    WsClient second = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream?after=" + lastSeen).await();
    pending.await();
    second.await(WsClient.turnEvent()).await();
    JsonArray all = events(id, 0);
    List<Long> expected = all.stream().map(e -> ((JsonObject) e).getLong("seq")).filter(s -> s > lastSeen).toList();
    assertThat(second.frames.stream().map(f -> f.getLong("seq")).toList()).isEqualTo(expected);
    String text = java.util.stream.Stream.concat(first.frames.stream(), second.frames.stream())
        .filter(f -> "stream".equals(f.getString("type"))).map(f -> f.getString("data")).collect(Collectors.joining());
    assertThat(text).isEqualTo("alpha beta gamma delta epsilon zeta eta theta");
  }

  @Test
  @DisplayName("GET /events?after=N returns exactly the events after N")
  void replayAfter(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.transcript("sse_text.sse"));
    String id = newSession();
    send(id, "hi");
    JsonArray all = events(id, 0);
    JsonArray tail = events(id, 3);
    assertThat(tail).hasSize(all.size() - 3);
    assertThat(tail.getJsonObject(0).getLong("seq")).isEqualTo(4);
    JsonObject page = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0&limit=2").send().await().bodyAsJsonObject();
    assertThat(page.getJsonArray("events")).hasSize(2);
    assertThat(page.getLong("next_after")).isEqualTo(2);
  }

  @Test
  @DisplayName("the WebSocket accepts message, cancel and ping frames; a bad frame gets an error and the socket stays open")
  void webSocketFrames(Vertx vertx) {
    start(vertx, Map.of());
    claude.enqueue(Reply.text("via socket"));
    String id = newSession();
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").await();
    ws.send(new JsonObject().put("type", "ping"));
    assertThat(ws.await(f -> "pong".equals(f.getString("type"))).await()).isNotNull();
    ws.socket.writeTextMessage("not json");
    assertThat(ws.await(f -> "error".equals(f.getString("type"))).await().getString("code")).isEqualTo("INVALID_JSON");
    ws.send(new JsonObject().put("type", "message"));
    assertThat(ws.await(f -> "error".equals(f.getString("type")) && "VALIDATION_FAILED".equals(f.getString("code"))).await()).isNotNull();
    ws.send(new JsonObject().put("type", "message").put("content", "hello"));
    JsonObject turn = ws.await(WsClient.turnEvent()).await();
    assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("completed");
    assertThat(ws.frames.stream().filter(f -> "stream".equals(f.getString("type"))).map(f -> f.getString("data"))
        .collect(Collectors.joining())).isEqualTo("via socket");
  }

  @Test
  @DisplayName("a WebSocket on an unknown session is closed with 4404")
  void unknownSessionSocket(Vertx vertx) throws Exception {
    start(vertx, Map.of());
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/00000000-0000-4000-8000-000000000000/stream").await();
    Promise<Short> closed = Promise.promise();
    try {
      ws.socket.closeHandler(v -> closed.tryComplete(ws.socket.closeStatusCode()));
    } catch (IllegalStateException alreadyClosed) {
      // the server was quicker than this line
    }
    if (ws.socket.isClosed()) {
      closed.tryComplete(ws.socket.closeStatusCode());
    }
    assertThat(closed.future().await()).isEqualTo((short) 4404);
  }

  @Test
  @DisplayName("without an API key the server runs and a message answers 503 LLM_NOT_CONFIGURED saying how to set it")
  void noApiKey(Vertx vertx) {
    rt = TestRuntime.start(vertx, dir).await();
    String id = newSession();
    HttpResponse<Buffer> r = send(id, "hi");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("LLM_NOT_CONFIGURED");
    assertThat(r.bodyAsJsonObject().getString("error")).contains("ANTHROPIC_API_KEY");
    assertThat(rt.http.get("/api/agentx/sessions/" + id + "/messages").send().await().bodyAsJsonObject().getLong("total")).isZero();
  }

  @Test
  @DisplayName("message validation: missing content is 400, unknown session 404, bad id 400")
  void messageValidation(Vertx vertx) {
    start(vertx, Map.of());
    String id = newSession();
    HttpResponse<Buffer> missing = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject()).await();
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.bodyAsJsonObject().getString("code")).isEqualTo("VALIDATION_FAILED");
    assertThat(send("00000000-0000-4000-8000-000000000000", "x").bodyAsJsonObject().getString("code")).isEqualTo("SESSION_NOT_FOUND");
    assertThat(send("nope", "x").bodyAsJsonObject().getString("code")).isEqualTo("INVALID_SESSION_ID");
    assertThat(claude.requestCount()).isZero();
  }
}
