package agentx.approval;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.ComfyStack;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeComfyUi;
import agentx.testing.Poll;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Human approval of tool calls (issue 14): the real tools verticle against the fake ComfyUI, the
 * fake Claude, a SQLite file. A turn that needs approval stops (no engine holds it), and goes on on
 * an answer from REST, the WebSocket or a timeout.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Human approval of tool calls")
class ApprovalTest {
  @TempDir Path dir;
  ComfyStack stack;
  FakeAnthropic claude;
  FakeComfyUi comfy;
  TestRuntime rt;

  @AfterEach
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  private void start(Vertx vertx, Map<String, Object> extra) {
    stack = ComfyStack.start(vertx, dir, extra);
    claude = stack.claude;
    comfy = stack.comfy;
    rt = stack.rt;
  }

  private String session(JsonObject approval) {
    return rt.createSession(new JsonObject().put("config", new JsonObject().put("tool_approval", approval))).await()
        .getString("session_id");
  }

  private HttpResponse<Buffer> send(String id, String content) {
    return rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", content)).await();
  }

  private HttpResponse<Buffer> answer(String id, String callId, JsonObject body) {
    return rt.postJson("/api/agentx/sessions/" + id + "/approvals/" + callId, body).await();
  }

  private JsonArray events(String id) {
    return rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject().getJsonArray("events");
  }

  private List<JsonObject> ofType(String id, String type) {
    return events(id).stream().map(e -> (JsonObject) e).filter(e -> type.equals(e.getString("type"))).toList();
  }

  private JsonObject awaitTurnEvent(String id) {
    Poll.until(Duration.ofSeconds(20), "the turn event", () -> !ofType(id, "turn").isEmpty());
    return ofType(id, "turn").get(0).getJsonObject("data");
  }

  /** The tool_result block Claude got for {@code callId} in its {@code request}-th request. */
  private JsonObject toolResult(int request, String callId) {
    JsonArray messages = claude.requests().get(request).body().getJsonArray("messages");
    JsonObject last = messages.getJsonObject(messages.size() - 1);
    return last.getJsonArray("content").stream().map(b -> (JsonObject) b)
        .filter(b -> "tool_result".equals(b.getString("type")) && callId.equals(b.getString("tool_use_id"))).findFirst().orElseThrow();
  }

  private static String text(JsonObject toolResult) {
    return toolResult.getJsonArray("content").getJsonObject(0).getString("text");
  }

  private void assertContiguous(String id) {
    List<Long> seqs = events(id).stream().map(e -> ((JsonObject) e).getLong("seq")).toList();
    assertThat(seqs).isEqualTo(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
  }

  @Test
  @DisplayName("ask: the turn stops (202, approval_required, awaiting_approval), runs nothing; approve runs the tool once, Claude goes on, one turn event")
  void approve(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(new JsonObject().put("get_queue", "ask"));
    claude.enqueue(Reply.toolUse("Let me look at the queue.", List.of(new ToolUseSpec("toolu_q1", "get_queue", new JsonObject()))))
        .enqueue(Reply.text("The queue is empty."));

    HttpResponse<Buffer> sent = send(id, "What is queued?");
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    assertThat(sent.bodyAsJsonObject().getString("status")).isEqualTo("awaiting_approval");
    String turnId = sent.bodyAsJsonObject().getString("turn_id");
    assertThat(comfy.count("GET /queue")).as("nothing ran before the approval").isZero();
    assertThat(claude.requestCount()).isEqualTo(1);

    JsonObject pending = rt.http.get("/api/agentx/sessions/" + id + "/approvals").send().await().bodyAsJsonObject();
    assertThat(pending.getJsonArray("approvals")).hasSize(1);
    JsonObject approval = pending.getJsonArray("approvals").getJsonObject(0);
    assertThat(approval.getString("tool_call_id")).isEqualTo("toolu_q1");
    assertThat(approval.getString("tool_name")).isEqualTo("get_queue");
    assertThat(approval.getString("turn_id")).isEqualTo(turnId);
    JsonObject required = ofType(id, "approval_required").get(0).getJsonObject("data");
    assertThat(required.getString("tool_call_id")).isEqualTo("toolu_q1");
    assertThat(required.getJsonObject("input")).isEqualTo(new JsonObject());
    JsonObject session = rt.http.get("/api/agentx/sessions/" + id).send().await().bodyAsJsonObject();
    assertThat(session.getString("state")).isEqualTo("awaiting_approval");
    JsonObject turn = rt.http.get("/api/agentx/sessions/" + id + "/turns/" + turnId).send().await().bodyAsJsonObject();
    assertThat(turn.getString("status")).isEqualTo("awaiting_approval");
    assertThat(ofType(id, "turn")).as("the turn is not over").isEmpty();

    // another message while it waits is refused, and changes nothing
    HttpResponse<Buffer> busy = send(id, "hello?");
    assertThat(busy.statusCode()).as(busy.bodyAsString()).isEqualTo(409);
    assertThat(busy.bodyAsJsonObject().getString("code")).isEqualTo("SESSION_BUSY");

    HttpResponse<Buffer> approved = answer(id, "toolu_q1", new JsonObject().put("decision", "approve"));
    assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);
    assertThat(approved.bodyAsJsonObject().getString("turn")).isEqualTo("resuming");
    JsonObject done = awaitTurnEvent(id);
    assertThat(done.getString("status")).isEqualTo("completed");
    assertThat(done.getLong("tool_calls")).isEqualTo(1L);
    assertThat(done.getLong("llm_calls")).isEqualTo(2L);
    assertThat(comfy.count("GET /queue")).as("the tool ran exactly once").isEqualTo(1);
    assertThat(claude.requestCount()).isEqualTo(2);
    assertThat(toolResult(1, "toolu_q1").getBoolean("is_error", false)).isFalse();
    assertThat(ofType(id, "turn")).hasSize(1);
    assertThat(ofType(id, "state").stream().map(e -> e.getJsonObject("data").getString("state")))
        .containsSubsequence("awaiting_approval", "approved", "resumed", "calling_tool", "tool_result", "done");
    assertThat(ofType(id, "state").stream().map(e -> e.getJsonObject("data")).filter(d -> "resumed".equals(d.getString("state")))
        .findFirst().orElseThrow().getJsonObject("progress").getString("reason")).isEqualTo("approval_answered");
    assertContiguous(id);
    assertThat(rt.http.get("/api/agentx/sessions/" + id).send().await().bodyAsJsonObject().getString("state")).isEqualTo("idle");
    List<JsonObject> messages = rt.http.get("/api/agentx/sessions/" + id + "/messages").send().await().bodyAsJsonObject()
        .getJsonArray("messages").stream().map(m -> (JsonObject) m).toList();
    assertThat(messages.stream().map(m -> m.getString("role"))).containsExactly("user", "assistant", "user", "assistant");
    assertThat(messages.get(3).getString("content")).isEqualTo("The queue is empty.");

    // a second answer, an unknown call, a bad decision
    HttpResponse<Buffer> again = answer(id, "toolu_q1", new JsonObject().put("decision", "deny"));
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.bodyAsJsonObject().getString("code")).isEqualTo("APPROVAL_ALREADY_ANSWERED");
    HttpResponse<Buffer> unknown = answer(id, "toolu_nothing", new JsonObject().put("decision", "approve"));
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.bodyAsJsonObject().getString("code")).isEqualTo("APPROVAL_NOT_FOUND");
    HttpResponse<Buffer> bad = answer(id, "toolu_q1", new JsonObject().put("decision", "maybe"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsJsonObject().getString("error")).contains("decision");
    assertThat(rt.http.get("/api/agentx/sessions/" + id + "/approvals").send().await().bodyAsJsonObject().getJsonArray("approvals"))
        .isEmpty();
  }

  @Test
  @DisplayName("two answers at once: exactly one wins (200), the other is 409, and the tool runs once")
  void racingAnswers(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(new JsonObject().put("get_queue", "ask"));
    claude.enqueue(Reply.toolUse("Checking.", List.of(new ToolUseSpec("toolu_r1", "get_queue", new JsonObject()))))
        .enqueue(Reply.text("Checked."));
    assertThat(send(id, "queue?").statusCode()).isEqualTo(202);
    List<io.vertx.core.Future<HttpResponse<Buffer>>> answers = List.of(
        rt.postJson("/api/agentx/sessions/" + id + "/approvals/toolu_r1", new JsonObject().put("decision", "approve")),
        rt.postJson("/api/agentx/sessions/" + id + "/approvals/toolu_r1", new JsonObject().put("decision", "deny")),
        rt.postJson("/api/agentx/sessions/" + id + "/approvals/toolu_r1", new JsonObject().put("decision", "approve")));
    io.vertx.core.Future.all(answers).await();
    assertThat(answers.stream().map(a -> a.result().statusCode())).containsExactlyInAnyOrder(200, 409, 409);
    String won = answers.stream().filter(a -> a.result().statusCode() == 200).findFirst().orElseThrow().result().bodyAsJsonObject()
        .getString("decision");
    assertThat(awaitTurnEvent(id).getString("status")).isEqualTo("completed");
    assertThat(comfy.count("GET /queue")).isEqualTo("approve".equals(won) ? 1 : 0);
    assertThat(ofType(id, "turn")).hasSize(1);
    assertContiguous(id);
  }

  @Test
  @DisplayName("deny with a reason: the tool never runs; Claude gets an is_error result saying the user declined and why")
  void deny(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(new JsonObject().put("*", "ask"));
    claude.enqueue(Reply.toolUse("Checking.", List.of(new ToolUseSpec("toolu_d1", "get_queue", new JsonObject()))))
        .enqueue(Reply.text("Understood."));
    assertThat(send(id, "queue?").statusCode()).isEqualTo(202);
    assertThat(answer(id, "toolu_d1", new JsonObject().put("decision", "deny").put("reason", "not now")).statusCode()).isEqualTo(200);
    assertThat(awaitTurnEvent(id).getString("status")).isEqualTo("completed");
    assertThat(comfy.count("GET /queue")).isZero();
    JsonObject result = toolResult(1, "toolu_d1");
    assertThat(result.getBoolean("is_error")).isTrue();
    assertThat(text(result)).contains("declined").contains("not now");
    assertContiguous(id);
  }

  @Test
  @DisplayName("edit and approve over the WebSocket: the tool runs with the person's input, not Claude's")
  void editAndApproveOverWebSocket(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(new JsonObject().put("search_*", "ask"));
    claude.enqueue(Reply.toolUse("Searching.", List.of(new ToolUseSpec("toolu_e1", "search_nodes",
            new JsonObject().put("query", "zzzz-no-such-node")))))
        .enqueue(Reply.text("Found it."));
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").await();
    ws.send(new JsonObject().put("type", "message").put("content", "find a sampler"));
    JsonObject required = ws.await(f -> "approval_required".equals(f.getString("type"))).await().getJsonObject("data");
    assertThat(required.getJsonObject("input").getString("query")).isEqualTo("zzzz-no-such-node");
    ws.send(new JsonObject().put("type", "approval").put("tool_call_id", "toolu_e1").put("decision", "approve")
        .put("input", new JsonObject().put("query", "KSampler")));
    JsonObject result = ws.await(f -> "approval_result".equals(f.getString("type"))).await();
    assertThat(result.getString("decision")).isEqualTo("approve");
    JsonObject turn = ws.await(WsClient.turnEvent()).await().getJsonObject("data");
    assertThat(turn.getString("status")).isEqualTo("completed");
    assertThat(text(toolResult(1, "toolu_e1"))).contains("KSampler");
    ws.send(new JsonObject().put("type", "approval").put("tool_call_id", "toolu_e1").put("decision", "approve"));
    JsonObject error = ws.await(f -> "error".equals(f.getString("type"))).await();
    assertThat(error.getString("code")).isEqualTo("APPROVAL_ALREADY_ANSWERED");
  }

  @Test
  @DisplayName("AGENTX_APPROVAL_TIMEOUT: an unanswered approval is denied on expiry and the turn completes")
  void timeout(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.APPROVAL_TIMEOUT, 1));
    String id = session(new JsonObject().put("get_queue", "ask"));
    claude.enqueue(Reply.toolUse("Checking.", List.of(new ToolUseSpec("toolu_t1", "get_queue", new JsonObject()))))
        .enqueue(Reply.text("No answer, so I did not look."));
    assertThat(send(id, "queue?").statusCode()).isEqualTo(202);
    assertThat(ofType(id, "approval_required").get(0).getJsonObject("data").getString("expires_at")).isNotNull();
    assertThat(awaitTurnEvent(id).getString("status")).isEqualTo("completed");
    assertThat(comfy.count("GET /queue")).isZero();
    assertThat(text(toolResult(1, "toolu_t1"))).contains("in time");
    HttpResponse<Buffer> late = answer(id, "toolu_t1", new JsonObject().put("decision", "approve"));
    assertThat(late.statusCode()).isEqualTo(409);
  }

  @Test
  @DisplayName("deny policy: the call is refused at once with an is_error result; allow runs without asking")
  void denyPolicy(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(new JsonObject().put("get_queue", "deny").put("get_*", "ask").put("list_models", "allow"));
    claude.enqueue(Reply.toolUse("Two things.", List.of(new ToolUseSpec("toolu_p1", "get_queue", new JsonObject()),
            new ToolUseSpec("toolu_p2", "list_models", new JsonObject()))))
        .enqueue(Reply.text("Done."));
    HttpResponse<Buffer> reply = send(id, "go");
    assertThat(reply.statusCode()).as(reply.bodyAsString()).isEqualTo(200);
    assertThat(comfy.count("GET /queue")).isZero();
    JsonObject denied = toolResult(1, "toolu_p1");
    assertThat(denied.getBoolean("is_error")).isTrue();
    assertThat(text(denied)).contains("not allowed");
    assertThat(toolResult(1, "toolu_p2").getBoolean("is_error", false)).isFalse();
    assertThat(ofType(id, "approval_required")).isEmpty();
  }

  @Test
  @DisplayName("a message that does not wait for its answer (wait: false, a WebSocket frame) while a turn waits for an approval is refused "
      + "409 SESSION_BUSY too, not acknowledged and dropped")
  void noWaitMessageWhileAwaitingApproval(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(new JsonObject().put("get_queue", "ask"));
    claude.enqueue(Reply.toolUse("Checking.", List.of(new ToolUseSpec("toolu_n1", "get_queue", new JsonObject()))));
    assertThat(send(id, "queue?").statusCode()).isEqualTo(202);
    int eventsBefore = events(id).size();

    HttpResponse<Buffer> quick = rt.postJson("/api/agentx/sessions/" + id + "/messages",
        new JsonObject().put("content", "hello?").put("wait", false)).await();
    assertThat(quick.statusCode()).as(quick.bodyAsString()).isEqualTo(409);
    assertThat(quick.bodyAsJsonObject().getString("code")).isEqualTo("SESSION_BUSY");

    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").await();
    ws.send(new JsonObject().put("type", "message").put("content", "anyone there?"));
    JsonObject error = ws.await(f -> "error".equals(f.getString("type")) || "accepted".equals(f.getString("type"))).await();
    assertThat(error.getString("type")).as(error.encode()).isEqualTo("error");
    assertThat(error.getString("code")).isEqualTo("SESSION_BUSY");

    // nothing changed: one turn, still waiting; no message, no event; Claude asked once
    JsonArray turns = rt.http.get("/api/agentx/sessions/" + id + "/turns").send().await().bodyAsJsonObject().getJsonArray("turns");
    assertThat(turns).hasSize(1);
    assertThat(turns.getJsonObject(0).getString("status")).isEqualTo("awaiting_approval");
    assertThat(rt.http.get("/api/agentx/sessions/" + id + "/messages").send().await().bodyAsJsonObject().getJsonArray("messages"))
        .hasSize(2);
    assertThat(events(id)).hasSize(eventsBefore);
    assertThat(claude.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a turn queued behind one that stops for an approval cannot start: it is closed as failed SESSION_BUSY, with its turn event")
  void queuedBehindAnApproval(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(new JsonObject().put("get_queue", "ask"));
    claude.enqueue(Reply.toolUse("Checking.", List.of(new ToolUseSpec("toolu_w1", "get_queue", new JsonObject())))
        .delayPerEvent(Duration.ofMillis(100)));
    HttpResponse<Buffer> first = rt.postJson("/api/agentx/sessions/" + id + "/messages",
        new JsonObject().put("content", "queue?").put("wait", false)).await();
    HttpResponse<Buffer> second = rt.postJson("/api/agentx/sessions/" + id + "/messages",
        new JsonObject().put("content", "and then?").put("wait", false)).await();
    assertThat(first.bodyAsJsonObject().getString("status")).as(first.bodyAsString()).isEqualTo("running");
    assertThat(second.bodyAsJsonObject().getString("status")).as(second.bodyAsString()).isEqualTo("queued");
    String queuedId = second.bodyAsJsonObject().getString("turn_id");

    Poll.until(Duration.ofSeconds(20), "the queued turn is closed", () -> "failed".equals(
        rt.http.get("/api/agentx/sessions/" + id + "/turns/" + queuedId).send().await().bodyAsJsonObject().getString("status")));
    JsonObject queued = rt.http.get("/api/agentx/sessions/" + id + "/turns/" + queuedId).send().await().bodyAsJsonObject();
    assertThat(queued.getString("error_code")).isEqualTo("SESSION_BUSY");
    JsonObject turnEvent = awaitTurnEvent(id);
    assertThat(turnEvent.getString("turn_id")).isEqualTo(queuedId);
    assertThat(turnEvent.getString("status")).isEqualTo("failed");
    // the first turn still waits for its approval, untouched
    JsonObject session = rt.http.get("/api/agentx/sessions/" + id).send().await().bodyAsJsonObject();
    assertThat(session.getString("state")).isEqualTo("awaiting_approval");
    assertThat(rt.http.get("/api/agentx/sessions/" + id + "/approvals").send().await().bodyAsJsonObject()
        .getJsonArray("approvals")).hasSize(1);
    assertThat(claude.requestCount()).as("the queued message never went to Claude").isEqualTo(1);
    assertContiguous(id);
  }

  @Test
  @DisplayName("cancel while waiting: the turn ends cancelled, the approval is gone, the next message works")
  void cancelWhileWaiting(Vertx vertx) {
    start(vertx, Map.of());
    String id = session(new JsonObject().put("get_queue", "ask"));
    claude.enqueue(Reply.toolUse("Checking.", List.of(new ToolUseSpec("toolu_c1", "get_queue", new JsonObject()))));
    assertThat(send(id, "queue?").statusCode()).isEqualTo(202);
    HttpResponse<Buffer> cancelled = rt.postJson("/api/agentx/sessions/" + id + "/cancel", new JsonObject()).await();
    assertThat(cancelled.bodyAsJsonObject().getBoolean("cancelled")).as(cancelled.bodyAsString()).isTrue();
    assertThat(awaitTurnEvent(id).getString("status")).isEqualTo("cancelled");
    assertThat(comfy.count("GET /queue")).isZero();
    assertThat(claude.requestCount()).isEqualTo(1);
    HttpResponse<Buffer> late = answer(id, "toolu_c1", new JsonObject().put("decision", "approve"));
    assertThat(late.statusCode()).isEqualTo(409);
    claude.enqueue(Reply.text("Hello again."));
    HttpResponse<Buffer> next = send(id, "hi");
    assertThat(next.statusCode()).as(next.bodyAsString()).isEqualTo(200);
    assertThat(next.bodyAsJsonObject().getString("content")).isEqualTo("Hello again.");
    assertContiguous(id);
  }

  @Test
  @DisplayName("approval answers are checked at the edge: token, foreign Origin, malformed call id, bad input, reason length; nothing changes")
  void badAnswers(Vertx vertx) {
    start(vertx, Map.of(AgentXConfig.API_TOKEN, "approval-token"));
    String token = "Bearer approval-token";
    JsonObject asking = new JsonObject().put("config", new JsonObject().put("tool_approval", new JsonObject().put("get_queue", "ask")));
    String id = rt.http.post("/api/agentx/sessions").putHeader("Authorization", token).sendJsonObject(asking).await()
        .bodyAsJsonObject().getString("session_id");
    claude.enqueue(Reply.toolUse("Checking.", List.of(new ToolUseSpec("toolu_x1", "get_queue", new JsonObject()))));
    HttpResponse<Buffer> sent = rt.http.post("/api/agentx/sessions/" + id + "/messages").putHeader("Authorization", token)
        .sendJsonObject(new JsonObject().put("content", "queue?")).await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    String path = "/api/agentx/sessions/" + id + "/approvals/toolu_x1";

    assertThat(rt.http.get("/api/agentx/sessions/" + id + "/approvals").send().await().statusCode()).isEqualTo(401);
    HttpResponse<Buffer> noToken = rt.postJson(path, new JsonObject().put("decision", "approve")).await();
    assertThat(noToken.statusCode()).isEqualTo(401);
    assertThat(noToken.bodyAsJsonObject().getString("code")).isEqualTo("UNAUTHORIZED");
    HttpResponse<Buffer> foreign = rt.http.post(path).putHeader("Authorization", token).putHeader("Origin", "https://evil.example")
        .sendJsonObject(new JsonObject().put("decision", "approve")).await();
    assertThat(foreign.statusCode()).isEqualTo(403);
    for (JsonObject bad : List.of(
        new JsonObject().put("decision", "approve").put("input", "not an object"),
        new JsonObject().put("decision", "deny").put("input", new JsonObject()),
        new JsonObject().put("decision", "deny").put("reason", "x".repeat(2_001)),
        new JsonObject().put("decision", "approve").put("extra", 1),
        new JsonObject())) {
      HttpResponse<Buffer> r = rt.http.post(path).putHeader("Authorization", token).sendJsonObject(bad).await();
      assertThat(r.statusCode()).as(bad.encode()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("VALIDATION_FAILED");
    }
    HttpResponse<Buffer> badId = rt.http.post("/api/agentx/sessions/" + id + "/approvals/toolu%20x1").putHeader("Authorization", token)
        .sendJsonObject(new JsonObject().put("decision", "approve")).await();
    assertThat(badId.statusCode()).isEqualTo(400);
    JsonArray pending = rt.http.get("/api/agentx/sessions/" + id + "/approvals").putHeader("Authorization", token).send().await()
        .bodyAsJsonObject().getJsonArray("approvals");
    assertThat(pending).as("every refused answer left the approval waiting").hasSize(1);
    assertThat(comfy.count("GET /queue")).isZero();
  }

  @Test
  @DisplayName("config.tool_approval is checked: a bad policy or pattern is a 400 naming the field")
  void badConfig(Vertx vertx) {
    start(vertx, Map.of());
    for (Object bad : new Object[] {"ask", new JsonObject().put("run_workflow", "sometimes"), new JsonObject().put("bad name!", "ask")}) {
      HttpResponse<Buffer> r = rt.postJson("/api/agentx/sessions", new JsonObject().put("config",
          new JsonObject().put("tool_approval", bad))).await();
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getString("error")).contains("tool_approval");
    }
  }
}
