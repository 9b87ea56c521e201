package agentx.ops;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.engine.AgentEngineVerticle;
import agentx.events.NodeId;
import agentx.protocol.Addresses;
import agentx.protocol.BeginTurn;
import agentx.protocol.CancelResult;
import agentx.protocol.FinishTurn;
import agentx.protocol.StoreClient;
import agentx.protocol.StoredMessage;
import agentx.protocol.TurnSummary;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.Poll;
import agentx.testing.TestRuntime;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /messages} with {@code "wait": false} and the turns routes that follow such a turn. */
@ExtendWith(VertxExtension.class)
class BackgroundTurnTest {
  @TempDir Path dir;
  FakeAnthropic claude;
  TestRuntime rt;

  @BeforeEach
  void start(Vertx vertx) {
    claude = FakeAnthropic.start(vertx).await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of())).await();
  }

  @AfterEach
  void stop() {
    claude.close();
  }

  private HttpResponse<Buffer> post(String id, JsonObject body) {
    return rt.postJson("/api/agentx/sessions/" + id + "/messages", body).await();
  }

  private JsonObject get(String path) {
    return get(rt, path);
  }

  private static JsonObject get(TestRuntime runtime, String path) {
    HttpResponse<Buffer> r = runtime.http.get("/api/agentx" + path).send().await();
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
    return r.bodyAsJsonObject();
  }

  @Test
  @DisplayName("wait:false answers 202 running at once; /turns/{id} shows it running with timings, then completed with usage and cost")
  void runningThenCompleted() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    claude.enqueue(Reply.text("A slow answer, token by token.").delayPerEvent(Duration.ofMillis(150)));
    long sent = System.nanoTime();
    HttpResponse<Buffer> accepted = post(id, new JsonObject().put("content", "go").put("wait", false));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(1));
    JsonObject body = accepted.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("session_id", "turn_id", "status");
    assertThat(body.getString("status")).isEqualTo("running");
    String turnId = body.getString("turn_id");

    JsonObject running = get("/sessions/" + id + "/turns/" + turnId);
    assertThat(running.getString("status")).isEqualTo("running");
    assertThat(running.getString("started_at")).endsWith("Z");
    assertThat(running.getValue("finished_at")).isNull();
    assertThat(running.getLong("duration_ms")).isGreaterThanOrEqualTo(0);

    Poll.until(Duration.ofSeconds(20), "the background turn ends", () -> !"running".equals(
        get("/sessions/" + id + "/turns/" + turnId).getString("status")));
    JsonObject done = get("/sessions/" + id + "/turns/" + turnId);
    assertThat(done.getString("status")).isEqualTo("completed");
    assertThat(done.getString("finished_at")).endsWith("Z");
    assertThat(done.getLong("input_tokens")).isPositive();
    assertThat(done.getLong("output_tokens")).isPositive();
    assertThat(done.getLong("total_tokens")).isEqualTo(done.getLong("input_tokens") + done.getLong("output_tokens"));
    assertThat(done.getDouble("cost_usd")).isPositive();
    assertThat(done.getLong("llm_calls")).isEqualTo(1);
    assertThat(done.getString("assistant_message_id")).isNotNull();
    // the same figures as the turn event that closed it
    JsonArray events = get("/sessions/" + id + "/events?after=0").getJsonArray("events");
    JsonObject turnEvent = events.getJsonObject(events.size() - 1).getJsonObject("data");
    assertThat(done.getLong("input_tokens")).isEqualTo(turnEvent.getLong("input_tokens"));
    assertThat(done.getDouble("cost_usd")).isEqualTo(turnEvent.getDouble("cost_usd"));
  }

  @Test
  @DisplayName("a second wait:false turn behind a running one is queued; both end and /turns lists them oldest first")
  void queuedBehindRunning() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    claude.enqueue(Reply.text("First, slowly.").delayPerEvent(Duration.ofMillis(100))).enqueue(Reply.text("Second."));
    HttpResponse<Buffer> first = post(id, new JsonObject().put("content", "one").put("wait", false));
    HttpResponse<Buffer> second = post(id, new JsonObject().put("content", "two").put("wait", false));
    assertThat(first.bodyAsJsonObject().getString("status")).isEqualTo("running");
    assertThat(second.statusCode()).isEqualTo(202);
    assertThat(second.bodyAsJsonObject().getString("status")).isEqualTo("queued");
    // the queued turn is stored before it is acknowledged: /turns shows it before it starts
    assertThat(get("/sessions/" + id + "/turns/" + second.bodyAsJsonObject().getString("turn_id")).getString("status"))
        .isEqualTo("queued");
    assertThat(get("/sessions/" + id + "/turns").getJsonArray("turns")).hasSize(2);

    Poll.until(Duration.ofSeconds(20), "both turns end", () -> {
      JsonArray turns = get("/sessions/" + id + "/turns").getJsonArray("turns");
      return turns.size() == 2 && turns.stream().allMatch(t -> "completed".equals(((JsonObject) t).getString("status")));
    });
    JsonObject page = get("/sessions/" + id + "/turns?limit=10");
    assertThat(page.getLong("total")).isEqualTo(2);
    assertThat(page.getInteger("limit")).isEqualTo(10);
    assertThat(page.getJsonArray("turns").getJsonObject(0).getString("turn_id")).isEqualTo(first.bodyAsJsonObject().getString("turn_id"));
    assertThat(page.getJsonArray("turns").getJsonObject(1).getString("turn_id")).isEqualTo(second.bodyAsJsonObject().getString("turn_id"));
  }

  @Test
  @DisplayName("a turn whose session the store has running on another engine node (a second grant of a cluster's lock) waits queued,"
      + " then runs after it; never side by side")
  void waitsForAnotherNodesTurn() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    String other = beginOtherNodesTurn(rt.vertx, id);

    claude.enqueue(Reply.text("After the other one."));
    HttpResponse<Buffer> accepted = post(id, new JsonObject().put("content", "go").put("wait", false));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    assertThat(accepted.bodyAsJsonObject().getString("status")).isEqualTo("queued");
    String turnId = accepted.bodyAsJsonObject().getString("turn_id");
    Poll.sleep(Duration.ofMillis(700));
    assertThat(get("/sessions/" + id + "/turns/" + turnId).getString("status")).isEqualTo("queued");
    assertThat(claude.requests()).as("nothing was sent to Claude while the other turn ran").isEmpty();

    endOtherNodesTurn(id, other, "completed").await();
    Poll.until(Duration.ofSeconds(20), "the waiting turn ends", () -> "completed".equals(
        get("/sessions/" + id + "/turns/" + turnId).getString("status")));
    JsonObject otherTurn = get("/sessions/" + id + "/turns/" + other);
    assertThat(get("/sessions/" + id + "/turns/" + turnId).getString("started_at")).isGreaterThanOrEqualTo(otherTurn.getString("finished_at"));
  }

  @Test
  @DisplayName("a cancel while a turn waits for another engine node's running turn of the session (a double grant) stops that running"
      + " turn, not the waiting one, which starts once the other has ended")
  void cancelWhileWaitingReachesTheRunningTurn() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    String other = beginOtherNodesTurn(rt.vertx, id);
    // the other node's engine listens for cancels of the turn it runs (here only that listener: what it
    // answers is what AgentEngineVerticle answers, and it ends its turn as cancelled)
    AtomicInteger cancels = new AtomicInteger();
    rt.vertx.eventBus().<JsonObject>consumer(Addresses.turnCancel(id, other), m -> {
      cancels.incrementAndGet();
      m.reply(new CancelResult(true, other).toJson());
      endOtherNodesTurn(id, other, "cancelled");
    }).completion().await();

    claude.enqueue(Reply.text("After the cancelled one."));
    String turnId = queuedBehindOther(id);

    HttpResponse<Buffer> cancel = rt.postJson("/api/agentx/sessions/" + id + "/cancel", new JsonObject()).await();
    assertThat(cancel.statusCode()).isEqualTo(202);
    assertThat(cancel.bodyAsJsonObject().getBoolean("cancelled")).isTrue();
    assertThat(cancel.bodyAsJsonObject().getString("turn_id")).as("the running turn was cancelled").isEqualTo(other);
    assertThat(cancels).hasValue(1);
    Poll.until(Duration.ofSeconds(20), "the waiting turn runs and ends", () -> "completed".equals(
        get("/sessions/" + id + "/turns/" + turnId).getString("status")));
    assertThat(get("/sessions/" + id + "/turns/" + other).getString("status")).isEqualTo("cancelled");
    assertThat(claude.requests()).hasSize(1);
  }

  @Test
  @DisplayName("a cancel passed on to a running turn whose engine never answers (it hangs, or died unseen) cancels the waiting turn"
      + " within the API's 5 s, and leaves the other turn alone")
  void cancelWhileWaitingRunningTurnSilent() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    String other = beginOtherNodesTurn(rt.vertx, id);
    AtomicInteger asked = new AtomicInteger();
    rt.vertx.eventBus().<JsonObject>consumer(Addresses.turnCancel(id, other), m -> asked.incrementAndGet()).completion().await();

    String turnId = queuedBehindOther(id);

    long sent = System.nanoTime();
    HttpResponse<Buffer> cancel = rt.postJson("/api/agentx/sessions/" + id + "/cancel", new JsonObject()).await();
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(5));
    assertThat(cancel.statusCode()).isEqualTo(202);
    assertThat(cancel.bodyAsJsonObject().getString("turn_id")).as("the waiting turn, as nothing answered for the other").isEqualTo(turnId);
    assertThat(asked).hasValue(1);
    Poll.until(Duration.ofSeconds(5), "the waiting turn is closed", () -> "cancelled".equals(
        get("/sessions/" + id + "/turns/" + turnId).getString("status")));
    assertThat(get("/sessions/" + id + "/turns/" + other).getString("status")).isEqualTo("running");
    assertThat(claude.requests()).isEmpty();
  }

  @Test
  @DisplayName("a turn waiting for another engine node's turn of its session that no engine runs (its engine lost track of it)"
      + " is cancelled at once, and closed as cancelled")
  void cancelWhileWaiting() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    String other = beginOtherNodesTurn(rt.vertx, id);
    HttpResponse<Buffer> accepted = post(id, new JsonObject().put("content", "go").put("wait", false));
    assertThat(accepted.bodyAsJsonObject().getString("status")).isEqualTo("queued");
    String turnId = accepted.bodyAsJsonObject().getString("turn_id");
    Poll.sleep(Duration.ofMillis(1_500)); // waits between tries grow: this is in one

    long sent = System.nanoTime();
    HttpResponse<Buffer> cancel = rt.postJson("/api/agentx/sessions/" + id + "/cancel", new JsonObject()).await();
    assertThat(cancel.bodyAsJsonObject().getString("turn_id")).isEqualTo(turnId);
    Poll.until(Duration.ofSeconds(5), "the waiting turn is closed", () -> "cancelled".equals(
        get("/sessions/" + id + "/turns/" + turnId).getString("status")));
    assertThat(Duration.ofNanos(System.nanoTime() - sent)).isLessThan(Duration.ofSeconds(1));
    assertThat(get("/sessions/" + id + "/turns/" + turnId).getValue("error_code")).isNull();
    JsonObject turnEvent = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject()
        .getJsonArray("events").stream().map(e -> (JsonObject) e).filter(e -> turnId.equals(e.getString("turn_id"))).findFirst().orElseThrow();
    assertThat(turnEvent.getString("type")).as("its only event: the turn's end").isEqualTo("turn");
    assertThat(turnEvent.getJsonObject("data").getString("status")).isEqualTo("cancelled");
    assertThat(get("/sessions/" + id + "/turns/" + other).getString("status")).as("the other turn is not this engine's to cancel")
        .isEqualTo("running");
    assertThat(claude.requests()).isEmpty();
  }

  @Test
  @DisplayName("an engine that stops while its turn waits for another node's turn of the session closes the waiting turn as failed"
      + " SERVICE_UNAVAILABLE (it has nothing to resume) and leaves the other turn running")
  void stopWhileWaiting() throws Exception {
    // its own Vert.x: the engine is deployed apart from the API and the store, so that it alone can be stopped
    Vertx node = Vertx.vertx();
    try {
      Path nodeDir = Files.createDirectories(dir.resolve("stopping-engine"));
      TestRuntime apiAndStore = TestRuntime.start(node, TestRuntime.withClaude(nodeDir, claude, Map.of(AgentXConfig.ROLES, "api,store"))).await();
      String engine = node.deployVerticle(new AgentEngineVerticle(), new DeploymentOptions().setConfig(apiAndStore.agentx.config().toJson()))
          .await();
      String id = apiAndStore.createSession(new JsonObject()).await().getString("session_id");
      String other = beginOtherNodesTurn(node, id);
      HttpResponse<Buffer> accepted = apiAndStore.postJson("/api/agentx/sessions/" + id + "/messages",
          new JsonObject().put("content", "go").put("wait", false)).await();
      assertThat(accepted.bodyAsJsonObject().getString("status")).as(accepted.bodyAsString()).isEqualTo("queued");
      String turnId = accepted.bodyAsJsonObject().getString("turn_id");
      Poll.sleep(Duration.ofMillis(400)); // between two tries of its start

      node.undeploy(engine).await();
      Poll.until(Duration.ofSeconds(5), "the waiting turn is closed", () -> !"queued".equals(
          get(apiAndStore, "/sessions/" + id + "/turns/" + turnId).getString("status")));
      JsonObject closed = get(apiAndStore, "/sessions/" + id + "/turns/" + turnId);
      assertThat(closed.getString("status")).isEqualTo("failed");
      assertThat(closed.getString("error_code")).isEqualTo("SERVICE_UNAVAILABLE");
      assertThat(get(apiAndStore, "/sessions/" + id + "/turns/" + other).getString("status")).as("the other node's turn is not this engine's").isEqualTo("running");
      assertThat(claude.requests()).isEmpty();
    } finally {
      node.close().await();
    }
  }

  @Test
  @DisplayName("a turn of this engine node the store still has running, whose end could not be recorded, is closed as failed when the next turn starts")
  void closesOwnLostTurn() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    String lost = UUID.randomUUID().toString();
    new StoreClient(rt.vertx).beginTurn(new BeginTurn(lost, id, NodeId.of(rt.vertx), userMessage(id, lost))).await();

    claude.enqueue(Reply.text("Going on."));
    HttpResponse<Buffer> reply = post(id, new JsonObject().put("content", "next"));
    assertThat(reply.statusCode()).as(reply.bodyAsString()).isEqualTo(200);
    JsonObject closed = get("/sessions/" + id + "/turns/" + lost);
    assertThat(closed.getString("status")).isEqualTo("failed");
    assertThat(closed.getString("error_code")).isEqualTo("INTERNAL");
  }

  /** A {@code "wait": false} message to a session whose turn runs on another node: answered {@code queued}, then between two tries of its start. */
  private String queuedBehindOther(String sessionId) {
    HttpResponse<Buffer> accepted = post(sessionId, new JsonObject().put("content", "go").put("wait", false));
    assertThat(accepted.bodyAsJsonObject().getString("status")).isEqualTo("queued");
    Poll.sleep(Duration.ofMillis(400));
    return accepted.bodyAsJsonObject().getString("turn_id");
  }

  /** The session's turn begun by another engine node (under a second grant of a cluster's session lock); its id. */
  private static String beginOtherNodesTurn(Vertx vertx, String sessionId) {
    String other = UUID.randomUUID().toString();
    new StoreClient(vertx).beginTurn(new BeginTurn(other, sessionId, "another-engine-node", userMessage(sessionId, other))).await();
    return other;
  }

  /** That other node's turn ends ({@code completed} or {@code cancelled}) as its engine would record it. */
  private Future<Void> endOtherNodesTurn(String sessionId, String other, String status) {
    return new StoreClient(rt.vertx).finishTurn(new FinishTurn(sessionId, "idle", new TurnSummary(other, null, null, 5, status, 0, 0, 0, 0,
        0.0, 0, 0, "completed".equals(status) ? "end_turn" : status, null, null), null));
  }

  private static StoredMessage userMessage(String sessionId, String turnId) {
    return new StoredMessage(UUID.randomUUID().toString(), sessionId, turnId, "user", "elsewhere", null, null, 0, 0, null, null, null);
  }

  @Test
  @DisplayName("refusals: wait not a boolean is 400, an unknown turn 404 TURN_NOT_FOUND, an unknown session 404, a bad turn id 400")
  void refusals() {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    HttpResponse<Buffer> badWait = post(id, new JsonObject().put("content", "x").put("wait", "no"));
    assertThat(badWait.statusCode()).isEqualTo(400);
    assertThat(badWait.bodyAsJsonObject().getString("code")).isEqualTo("VALIDATION_FAILED");
    HttpResponse<Buffer> unknownTurn = rt.http.get("/api/agentx/sessions/" + id + "/turns/00000000-0000-4000-8000-000000000000").send().await();
    assertThat(unknownTurn.statusCode()).isEqualTo(404);
    assertThat(unknownTurn.bodyAsJsonObject().getString("code")).isEqualTo("TURN_NOT_FOUND");
    HttpResponse<Buffer> unknownSession = rt.http.get("/api/agentx/sessions/00000000-0000-4000-8000-000000000000/turns").send().await();
    assertThat(unknownSession.bodyAsJsonObject().getString("code")).isEqualTo("SESSION_NOT_FOUND");
    assertThat(rt.http.get("/api/agentx/sessions/" + id + "/turns/nope").send().await().statusCode()).isEqualTo(400);
    HttpResponse<Buffer> unknownBackground = post("00000000-0000-4000-8000-000000000000",
        new JsonObject().put("content", "x").put("wait", false));
    assertThat(unknownBackground.statusCode()).isEqualTo(404);
  }
}
