package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.engine.anthropic.AnthropicClient;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.Poll;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** More turns than connections to Claude: the ones beyond wait before they read their history or build a request. */
@ExtendWith(VertxExtension.class)
class CallSlotsTest {
  @TempDir Path dir;
  FakeAnthropic claude;

  @AfterEach
  void stop() {
    if (claude != null) {
      claude.close();
    }
  }

  @Test
  @DisplayName("a turn beyond the connections to Claude shows thinking and waits without a request; cancelled, it ends at once; the next call's end lets the one after it go")
  void turnsBeyondTheConnectionsWait(Vertx vertx) {
    claude = FakeAnthropic.start(vertx).await();
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of())).await();
    int connections = AnthropicClient.MAX_CONNECTIONS;
    // every connection holds an answer that says message_start and then nothing
    for (int i = 0; i < connections; i++) {
      claude.enqueue(Reply.text("held").stallAfterEvents(1));
    }
    List<String> held = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      held.add(startTurn(rt));
    }
    Poll.until(Duration.ofSeconds(10), "a request on every connection", () -> claude.requestCount() == connections);
    String cancelled = startTurn(rt);
    String next = startTurn(rt);
    Poll.until(Duration.ofSeconds(5), "the waiting turns show thinking", () -> states(rt, cancelled).contains("thinking")
        && states(rt, next).contains("thinking"));
    assertThat(claude.requestCount()).as("no request for a turn that waits for a connection").isEqualTo(connections);
    assertThat(waiting(rt)).as("calls waiting for a connection").isEqualTo(2.0);

    // a waiting turn cancelled ends cancelled, without a request and without taking a connection from anyone
    assertThat(rt.postJson("/api/agentx/sessions/" + cancelled + "/cancel", new JsonObject()).await().statusCode()).isEqualTo(202);
    Poll.until(Duration.ofSeconds(5), "the waiting turn's end", () -> turnStatus(rt, cancelled) != null);
    assertThat(turnStatus(rt, cancelled)).isEqualTo("cancelled");
    assertThat(turnEnd(rt, cancelled).getLong("llm_calls")).as("no call was made").isZero();
    assertThat(claude.requestCount()).isEqualTo(connections);
    assertThat(waiting(rt)).isEqualTo(1.0);

    // one held call ends (cancelled): its connection goes to the next waiting turn, which completes
    claude.enqueue(Reply.text("Your turn came."));
    assertThat(rt.postJson("/api/agentx/sessions/" + held.get(0) + "/cancel", new JsonObject()).await().statusCode()).isEqualTo(202);
    Poll.until(Duration.ofSeconds(10), "the next turn's end", () -> turnStatus(rt, next) != null);
    assertThat(turnStatus(rt, next)).isEqualTo("completed");
    assertThat(claude.requestCount()).isEqualTo(connections + 1);
    assertThat(waiting(rt)).isZero();
  }

  private static double waiting(TestRuntime rt) {
    String metrics = rt.http.get("/metrics").send().await().bodyAsString();
    return agentx.testing.PrometheusText.parse(metrics).value("agentx_llm_calls_waiting");
  }

  private static String startTurn(TestRuntime rt) {
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    int status = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "hi").put("wait", false))
        .await().statusCode();
    assertThat(status).isEqualTo(202);
    return id;
  }

  private static List<JsonObject> events(TestRuntime rt, String id) {
    JsonArray events = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject().getJsonArray("events");
    return events.stream().map(e -> (JsonObject) e).toList();
  }

  private static List<String> states(TestRuntime rt, String id) {
    return events(rt, id).stream().filter(e -> "state".equals(e.getString("type")))
        .map(e -> e.getJsonObject("data").getString("state")).toList();
  }

  private static String turnStatus(TestRuntime rt, String id) {
    JsonObject end = turnEnd(rt, id);
    return end == null ? null : end.getString("status");
  }

  private static JsonObject turnEnd(TestRuntime rt, String id) {
    return events(rt, id).stream().filter(e -> "turn".equals(e.getString("type"))).map(e -> e.getJsonObject("data"))
        .findFirst().orElse(null);
  }
}
