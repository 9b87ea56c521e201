package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Session spending limits (issue 14): checked before every Claude call, priced from the model catalogue. */
@ExtendWith(VertxExtension.class)
@DisplayName("Spending limits")
class SpendingLimitTest {
  @TempDir Path dir;
  FakeAnthropic claude;
  TestRuntime rt;

  @AfterEach
  void stop() {
    if (claude != null) {
      claude.close();
    }
  }

  private String session(Vertx vertx, JsonObject config) {
    claude = FakeAnthropic.start(vertx).await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of())).await();
    HttpResponse<Buffer> created = rt.postJson("/api/agentx/sessions", new JsonObject().put("config", config)).await();
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("session_id");
  }

  private HttpResponse<Buffer> send(String id, String content) {
    return rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", content)).await();
  }

  private JsonObject lastTurnEvent(String id) {
    JsonArray events = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject().getJsonArray("events");
    return events.stream().map(e -> (JsonObject) e).filter(e -> "turn".equals(e.getString("type"))).reduce((a, b) -> b).orElseThrow();
  }

  @Test
  @DisplayName("max_turn_cost_usd: the second call of a tool loop is not made; the turn ends budget_exceeded naming the limit")
  void turnLimit(Vertx vertx) {
    String id = session(vertx, new JsonObject().put("max_turn_cost_usd", 0.00001));
    claude.enqueue(Reply.toolUse("Let me check.", List.of(new ToolUseSpec("toolu_1", "no_such_tool", new JsonObject()))))
        .enqueue(Reply.text("never sent"));
    HttpResponse<Buffer> r = send(id, "Hi");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(402);
    assertThat(r.bodyAsJsonObject().getString("code")).isEqualTo("BUDGET_EXCEEDED");
    assertThat(r.bodyAsJsonObject().getString("error")).contains("max_turn_cost_usd");
    assertThat(claude.requestCount()).as("the second Claude call was not made").isEqualTo(1);
    JsonObject turn = lastTurnEvent(id).getJsonObject("data");
    assertThat(turn.getString("status")).isEqualTo("budget_exceeded");
    assertThat(turn.getString("error_code")).isEqualTo("BUDGET_EXCEEDED");
    assertThat(turn.getDouble("cost_usd")).isPositive();
    JsonObject session = rt.http.get("/api/agentx/sessions/" + id).send().await().bodyAsJsonObject();
    assertThat(session.getString("state")).as("not an error state: the next message may run").isEqualTo("idle");
    assertThat(session.getJsonObject("usage").getDouble("cost_usd")).as("the spending is on the session")
        .isCloseTo(turn.getDouble("cost_usd"), org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  @DisplayName("max_session_cost_usd: once the session's turns reach it, the next turn makes no Claude call")
  void sessionLimit(Vertx vertx) {
    String id = session(vertx, new JsonObject().put("max_session_cost_usd", 0.00001));
    claude.enqueue(Reply.text("first answer")).enqueue(Reply.text("never sent"));
    assertThat(send(id, "one").statusCode()).isEqualTo(200);
    HttpResponse<Buffer> second = send(id, "two");
    assertThat(second.statusCode()).as(second.bodyAsString()).isEqualTo(402);
    assertThat(second.bodyAsJsonObject().getString("error")).contains("max_session_cost_usd");
    assertThat(claude.requestCount()).isEqualTo(1);
    assertThat(lastTurnEvent(id).getJsonObject("data").getString("status")).isEqualTo("budget_exceeded");
  }

  @Test
  @DisplayName("max_session_cost_usd holds for messages queued behind a running turn: each starts from the spending of the turns before it")
  void sessionLimitWhenQueued(Vertx vertx) {
    String id = session(vertx, new JsonObject().put("max_session_cost_usd", 0.00001));
    claude.enqueue(Reply.text("first answer").delayPerEvent(java.time.Duration.ofMillis(50)));
    for (int i = 0; i < 4; i++) {
      claude.enqueue(Reply.text("never sent " + i));
    }
    io.vertx.core.Future<HttpResponse<Buffer>> first = rt.postJson("/api/agentx/sessions/" + id + "/messages",
        new JsonObject().put("content", "one"));
    agentx.testing.Poll.until(java.time.Duration.ofSeconds(5), "the first turn runs", () -> claude.requestCount() == 1);
    List<io.vertx.core.Future<HttpResponse<Buffer>>> queued = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      queued.add(rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "more " + i)));
    }
    assertThat(first.await().statusCode()).isEqualTo(200);
    for (io.vertx.core.Future<HttpResponse<Buffer>> r : queued) {
      assertThat(r.await().statusCode()).as(r.result().bodyAsString()).isEqualTo(402);
    }
    assertThat(claude.requestCount()).as("no queued turn called Claude past the limit").isEqualTo(1);
  }

  @Test
  @DisplayName("a limit on a model without a price is not kept as free: no Claude call is made, 402 naming the model and the limit")
  void unpricedModel(Vertx vertx) {
    String id = session(vertx, new JsonObject().put("model", "qwen3-coder").put("max_session_cost_usd", 5));
    claude.enqueue(Reply.text("never sent"));
    HttpResponse<Buffer> r = send(id, "Hi");
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(402);
    assertThat(r.bodyAsJsonObject().getString("error")).contains("qwen3-coder").contains("has no price")
        .contains("max_session_cost_usd").contains("AGENTX_PRICES");
    assertThat(r.bodyAsJsonObject().getJsonObject("details").getString("reason")).isEqualTo("unpriced_model");
    assertThat(claude.requestCount()).isZero();
    assertThat(lastTurnEvent(id).getJsonObject("data").getString("status")).isEqualTo("budget_exceeded");
    assertThat(rt.http.get("/api/agentx/sessions/" + id).send().await().bodyAsJsonObject().getString("state")).isEqualTo("idle");

    // without a limit the same model runs (its cost is reported as unknown)
    assertThat(rt.http.patch("/api/agentx/sessions/" + id).sendJsonObject(new JsonObject().put("config",
        new JsonObject().put("model", "qwen3-coder"))).await().statusCode()).isEqualTo(200);
    assertThat(send(id, "Hi again").statusCode()).isEqualTo(200);
    assertThat(claude.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a call cut mid-stream by a cancel counts the output it streamed, estimated from its characters")
  void cutCallCountsItsOutput(Vertx vertx) {
    String id = session(vertx, new JsonObject().put("max_turn_cost_usd", 5));
    // message_start, ping, content_block_start, then 20 text_delta events of 4 characters: 80 characters, 20 tokens
    claude.enqueue(Reply.text("abcd".repeat(50)).stallAfterEvents(23));
    io.vertx.core.Future<HttpResponse<Buffer>> pending = rt.postJson("/api/agentx/sessions/" + id + "/messages",
        new JsonObject().put("content", "Hi"));
    agentx.testing.Poll.until(java.time.Duration.ofSeconds(5), "20 tokens streamed", () -> streamEvents(id) == 20);
    assertThat(rt.postJson("/api/agentx/sessions/" + id + "/cancel", new JsonObject()).await().statusCode()).isEqualTo(202);
    assertThat(pending.await().bodyAsJsonObject().getString("stop_reason")).isEqualTo("cancelled");
    JsonObject turn = lastTurnEvent(id).getJsonObject("data");
    assertThat(turn.getLong("input_tokens")).as("message_start's input").isEqualTo(25);
    assertThat(turn.getLong("output_tokens")).as("80 streamed characters at 4 a token, not message_start's 1").isEqualTo(20);
    assertThat(turn.getDouble("cost_usd")).isPositive();
  }

  @Test
  @DisplayName("a call's input is recorded on its turn as soon as it starts, even before any token (an engine killed then leaves it counted)")
  void startedCallIsRecorded(Vertx vertx) {
    String id = session(vertx, new JsonObject());
    // message_start (25 input tokens), then nothing: a call that thinks without streaming its thinking
    claude.enqueue(Reply.text("never streamed").stallAfterEvents(1));
    JsonObject accepted = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "Hi").put("wait", false))
        .await().bodyAsJsonObject();
    String turn = "/api/agentx/sessions/" + id + "/turns/" + accepted.getString("turn_id");
    agentx.testing.Poll.until(java.time.Duration.ofSeconds(5), "the started call's figures on the turn",
        () -> rt.http.get(turn).send().await().bodyAsJsonObject().getLong("input_tokens", 0L) == 25);
    JsonObject recorded = rt.http.get(turn).send().await().bodyAsJsonObject();
    assertThat(recorded.getString("status")).isEqualTo("running");
    assertThat(recorded.getLong("llm_calls")).isEqualTo(1);
    assertThat(streamEvents(id)).isZero();
    assertThat(rt.postJson("/api/agentx/sessions/" + id + "/cancel", new JsonObject()).await().statusCode()).isEqualTo(202);
  }

  private long streamEvents(String id) {
    JsonArray events = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject().getJsonArray("events");
    return events.stream().map(e -> (JsonObject) e).filter(e -> "stream".equals(e.getString("type"))).count();
  }

  @Test
  @DisplayName("a negative or non-numeric limit is refused at the REST API naming the field")
  void badLimits(Vertx vertx) {
    claude = FakeAnthropic.start(vertx).await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of())).await();
    for (Object bad : new Object[] {-1, "ten dollars"}) {
      HttpResponse<Buffer> r = rt.postJson("/api/agentx/sessions", new JsonObject().put("config", new JsonObject()
          .put("max_turn_cost_usd", bad))).await();
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getString("error")).contains("config.max_turn_cost_usd");
    }
  }
}
