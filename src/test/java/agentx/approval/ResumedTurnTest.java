package agentx.approval;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.protocol.Addresses;
import agentx.protocol.ResumableTurn;
import agentx.testing.ComfyStack;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeComfyUi;
import agentx.testing.Poll;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** How a turn is carried on from the store: what is reused, what runs, when it gives up (issue 14). */
@ExtendWith(VertxExtension.class)
@DisplayName("Resumed turns")
class ResumedTurnTest {
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

  private void start(Vertx vertx) {
    stack = ComfyStack.start(vertx, dir, Map.of());
    claude = stack.claude;
    comfy = stack.comfy;
    rt = stack.rt;
  }

  private List<JsonObject> events(String id) {
    JsonArray all = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject().getJsonArray("events");
    return all.stream().map(e -> (JsonObject) e).toList();
  }

  private JsonObject turnEvent(String id) {
    Poll.until(Duration.ofSeconds(20), "the turn event", () -> events(id).stream().anyMatch(e -> "turn".equals(e.getString("type"))));
    return events(id).stream().filter(e -> "turn".equals(e.getString("type"))).findFirst().orElseThrow().getJsonObject("data");
  }

  @Test
  @DisplayName("a round with an allowed call and an asked one: the allowed one runs before the wait and is not run again after the approval")
  void mixedRound(Vertx vertx) {
    start(vertx);
    String id = rt.createSession(new JsonObject().put("config", new JsonObject().put("tool_approval",
        new JsonObject().put("get_system_stats", "ask")))).await().getString("session_id");
    claude.enqueue(Reply.toolUse("Two looks.", List.of(new ToolUseSpec("toolu_m1", "get_queue", new JsonObject()),
            new ToolUseSpec("toolu_m2", "get_system_stats", new JsonObject()))))
        .enqueue(Reply.text("Both done."));
    HttpResponse<Buffer> sent = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "look")).await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    assertThat(comfy.count("GET /queue")).as("the allowed call ran before the wait").isEqualTo(1);
    assertThat(comfy.count("GET /system_stats")).isZero();
    HttpResponse<Buffer> approved = rt.postJson("/api/agentx/sessions/" + id + "/approvals/toolu_m2",
        new JsonObject().put("decision", "approve")).await();
    assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);
    assertThat(turnEvent(id).getString("status")).isEqualTo("completed");
    assertThat(comfy.count("GET /queue")).as("its stored result was reused, not run again").isEqualTo(1);
    assertThat(comfy.count("GET /system_stats")).isEqualTo(1);
    JsonArray results = claude.requests().get(1).body().getJsonArray("messages").getJsonObject(2).getJsonArray("content");
    assertThat(results.stream().map(b -> ((JsonObject) b).getString("tool_use_id"))).containsExactly("toolu_m1", "toolu_m2");
    assertThat(turnEvent(id).getLong("tool_calls")).isEqualTo(2L);
  }

  @Test
  @DisplayName("calls running when the engine stopped: a read-only one runs again, a mutating one is not run twice and Claude is told why")
  void startedCallsOnResume(Vertx vertx) throws Exception {
    start(vertx);
    String id = rt.createSession(new JsonObject().put("config", new JsonObject().put("tool_approval",
        new JsonObject().put("get_queue", "ask").put("upload_image", "ask")))).await().getString("session_id");
    claude.enqueue(Reply.toolUse("Two calls.", List.of(new ToolUseSpec("toolu_r1", "get_queue", new JsonObject()),
            new ToolUseSpec("toolu_w1", "upload_image", new JsonObject().put("filename", "dot.png").put("data_base64", "iVBORw0KGgo=")))))
        .enqueue(Reply.text("I will check the upload first."));
    HttpResponse<Buffer> sent = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "go")).await();
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    String turnId = sent.bodyAsJsonObject().getString("turn_id");
    // the store's record of a turn whose engine stopped while both calls ran (as the engine records them before running)
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("agentx-test.db"));
        PreparedStatement calls = c.prepareStatement("UPDATE tool_calls SET state = 'started' WHERE turn_id = ?");
        PreparedStatement turn = c.prepareStatement("UPDATE turns SET status = 'interrupted' WHERE turn_id = ?")) {
      calls.setString(1, turnId);
      assertThat(calls.executeUpdate()).isEqualTo(2);
      turn.setString(1, turnId);
      assertThat(turn.executeUpdate()).isEqualTo(1);
    }
    vertx.eventBus().publish(Addresses.ENGINE_TURN_RESUMABLE, new ResumableTurn.Offer(turnId, id).toJson());
    assertThat(turnEvent(id).getString("status")).isEqualTo("completed");
    assertThat(comfy.count("GET /queue")).as("the read-only call ran again").isEqualTo(1);
    assertThat(comfy.count("POST /upload/image")).as("the mutating one did not").isZero();
    JsonArray results = claude.requests().get(1).body().getJsonArray("messages").getJsonObject(2).getJsonArray("content");
    JsonObject upload = results.stream().map(b -> (JsonObject) b).filter(b -> "toolu_w1".equals(b.getString("tool_use_id"))).findFirst()
        .orElseThrow();
    assertThat(upload.getBoolean("is_error")).isTrue();
    assertThat(upload.encode()).contains("was running when the runtime stopped").contains("not run again");
    JsonObject queue = results.stream().map(b -> (JsonObject) b).filter(b -> "toolu_r1".equals(b.getString("tool_use_id"))).findFirst()
        .orElseThrow();
    assertThat(queue.getBoolean("is_error", false)).isFalse();
    JsonObject resumed = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject()
        .getJsonArray("events").stream().map(e -> (JsonObject) e)
        .filter(e -> "state".equals(e.getString("type")) && "resumed".equals(e.getJsonObject("data").getString("state")))
        .findFirst().orElseThrow().getJsonObject("data");
    assertThat(resumed.getJsonObject("progress").getString("reason")).as("calls only started: its engine died, nobody answered anything")
        .isEqualTo("interrupted");
  }

  @Test
  @DisplayName("a call is stored as started before it runs, then done with its result")
  void startedThenDone(Vertx vertx) throws Exception {
    start(vertx);
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    comfy.delayEveryAnswer(Duration.ofMillis(1500));
    claude.enqueue(Reply.toolUse("Looking.", List.of(new ToolUseSpec("toolu_q1", "get_queue", new JsonObject()))))
        .enqueue(Reply.text("Empty."));
    rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "queue?").put("wait", false)).await();
    Poll.until(Duration.ofSeconds(10), "the call is stored as started while it runs", () -> "started".equals(callState("toolu_q1")));
    assertThat(turnEvent(id).getString("status")).isEqualTo("completed");
    assertThat(callState("toolu_q1")).isEqualTo("done");
  }

  private String callState(String callId) {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("agentx-test.db"));
        PreparedStatement st = c.prepareStatement("SELECT state FROM tool_calls WHERE call_id = ?")) {
      st.setString(1, callId);
      try (var rows = st.executeQuery()) {
        return rows.next() ? rows.getString(1) : null;
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("a turn interrupted more than 3 times is not resumed again: it fails with TURN_NOT_RESUMABLE and the session is free")
  void givesUp(Vertx vertx) throws Exception {
    start(vertx);
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    claude.enqueue(Reply.text("first"));
    String turnId = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "hi")).await()
        .bodyAsJsonObject().getString("turn_id");
    // the store's record of a turn whose engines died four times
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("agentx-test.db"));
        PreparedStatement st = c.prepareStatement("UPDATE turns SET status = 'interrupted', interruptions = 4 WHERE turn_id = ?")) {
      st.setString(1, turnId);
      assertThat(st.executeUpdate()).isEqualTo(1);
    }
    int before = events(id).size();
    vertx.eventBus().publish(Addresses.ENGINE_TURN_RESUMABLE, new ResumableTurn.Offer(turnId, id).toJson());
    Poll.until(Duration.ofSeconds(20), "the turn closed again", () -> {
      List<JsonObject> now = events(id);
      return now.size() > before && "turn".equals(now.get(now.size() - 1).getString("type"));
    });
    JsonObject closed = events(id).get(events(id).size() - 1).getJsonObject("data");
    assertThat(closed.getString("status")).isEqualTo("failed");
    assertThat(closed.getString("error_code")).isEqualTo("TURN_NOT_RESUMABLE");
    assertThat(claude.requestCount()).as("no Claude call was made for it").isEqualTo(1);
    claude.enqueue(Reply.text("still here"));
    HttpResponse<Buffer> next = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "again")).await();
    assertThat(next.statusCode()).as(next.bodyAsString()).isEqualTo(200);
  }
}
