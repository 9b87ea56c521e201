package agentx.store;

import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeComfyUi;
import agentx.testing.SseTranscript;
import agentx.testing.WsClient;
import io.vertx.core.json.JsonArray;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.ServerProcess;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class DurabilityTest {
  @TempDir Path dir;

  @Test
  @DisplayName("sessions acknowledged before kill -9 are listed after a restart")
  void survivesKill9(Vertx vertx) throws Exception {
    Map<String, String> env = Map.of("AGENTX_DATABASE_URL", "sqlite:///data/agentx.db");
    WebClient client = WebClient.create(vertx);
    List<String> created = new ArrayList<>();
    try (ServerProcess first = ServerProcess.start(dir, env)) {
      List<Future<String>> posts = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        posts.add(client.post(first.port(), "127.0.0.1", "/api/agentx/sessions")
            .sendJsonObject(new JsonObject().put("title", "before crash " + i))
            .map(r -> {
              assertThat(r.statusCode()).isEqualTo(201);
              return r.bodyAsJsonObject().getString("session_id");
            }));
      }
      Future.all(posts).await();
      posts.forEach(p -> created.add(p.result()));
      first.kill9();
    }
    assertThat(dir.resolve("data/agentx.db")).exists();
    try (ServerProcess second = ServerProcess.start(dir, env)) {
      JsonObject page = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions?limit=100").send().await().bodyAsJsonObject();
      assertThat(page.getLong("total")).isEqualTo(50);
      List<String> listed = page.getJsonArray("sessions").stream().map(s -> ((JsonObject) s).getString("session_id")).toList();
      assertThat(listed).containsExactlyInAnyOrderElementsOf(created);
    }
  }

  @Test
  @DisplayName("AGENTX_RESUME_TURNS=false, kill -9 mid-turn: after a restart the turn is failed (state error + turn), the session idle, and the next message works")
  void killedMidTurnWithoutResume(Vertx vertx) throws Exception {
    FakeAnthropic claude = FakeAnthropic.start(vertx).await();
    Map<String, String> env = env(claude, "AGENTX_RESUME_TURNS", "false");
    WebClient client = WebClient.create(vertx);
    String id;
    long seenSeq;
    try (ServerProcess first = ServerProcess.start(dir, env)) {
      id = newSession(client, first);
      claude.enqueue(Reply.text("a long answer that is cut by the crash, token by token").delayPerEvent(Duration.ofMillis(200)));
      WsClient ws = WsClient.connect(vertx, first.port(), "/api/agentx/sessions/" + id + "/stream").await();
      ws.send(new JsonObject().put("type", "message").put("content", "go"));
      seenSeq = ws.await(f -> "stream".equals(f.getString("type"))).await().getLong("seq");
      first.kill9();
      assertThat(String.join("\n", first.output())).doesNotContain("sk-ant-durability");
    }
    try (ServerProcess second = ServerProcess.start(dir, env, "--log-level", "DEBUG")) {
      JsonArray events = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/events?after=0").send().await()
          .bodyAsJsonObject().getJsonArray("events");
      assertThat(events.getJsonObject((int) seenSeq - 1).getString("type")).isEqualTo("stream");
      JsonObject error = events.getJsonObject(events.size() - 2);
      JsonObject turn = events.getJsonObject(events.size() - 1);
      assertThat(error.getString("type")).isEqualTo("state");
      assertThat(error.getJsonObject("data").getString("state")).isEqualTo("error");
      assertThat(turn.getString("type")).isEqualTo("turn");
      assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("failed");
      assertContiguous(events);
      JsonObject session = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id).send().await().bodyAsJsonObject();
      assertThat(session.getString("state")).isNotEqualTo("processing");

      claude.enqueue(Reply.text("Back again."));
      var reply = client.post(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/messages")
          .sendJsonObject(new JsonObject().put("content", "again")).await();
      assertThat(reply.statusCode()).as(reply.bodyAsString()).isEqualTo(200);
      assertThat(reply.bodyAsJsonObject().getString("content")).isEqualTo("Back again.");
      // even at DEBUG, the API key is never logged
      assertThat(second.output()).anyMatch(line -> line.contains("DEBUG"));
      assertThat(String.join("\n", second.output())).doesNotContain("sk-ant-durability");
    } finally {
      claude.close();
    }
  }

  @Test
  @DisplayName("kill -9 with a turn queued behind a running one: the acknowledged turn is still there after a restart, failed ('Send it again') with its turn event")
  void killedWithAQueuedTurn(Vertx vertx) throws Exception {
    FakeAnthropic claude = FakeAnthropic.start(vertx).await();
    Map<String, String> env = env(claude, "AGENTX_RESUME_TURNS", "false");
    WebClient client = WebClient.create(vertx);
    String id;
    String queued;
    try (ServerProcess first = ServerProcess.start(dir, env)) {
      id = newSession(client, first);
      claude.enqueue(Reply.text("a long answer that is cut by the crash, token by token").delayPerEvent(Duration.ofMillis(200)));
      String messages = "/api/agentx/sessions/" + id + "/messages";
      JsonObject running = client.post(first.port(), "127.0.0.1", messages)
          .sendJsonObject(new JsonObject().put("content", "go").put("wait", false)).await().bodyAsJsonObject();
      JsonObject accepted = client.post(first.port(), "127.0.0.1", messages)
          .sendJsonObject(new JsonObject().put("content", "and then this").put("wait", false)).await().bodyAsJsonObject();
      assertThat(running.getString("status")).isEqualTo("running");
      assertThat(accepted.getString("status")).as(accepted.encode()).isEqualTo("queued");
      queued = accepted.getString("turn_id");
      first.kill9();
    }
    try (ServerProcess second = ServerProcess.start(dir, env)) {
      JsonObject turn = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/turns/" + queued).send().await()
          .bodyAsJsonObject();
      assertThat(turn.getString("status")).as(turn.encode()).isEqualTo("failed");
      assertThat(turn.getString("error_message")).contains("queued turn", "Send it again");
      JsonArray events = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/events?after=0").send().await()
          .bodyAsJsonObject().getJsonArray("events");
      assertThat(events.stream().map(e -> (JsonObject) e).filter(e -> "turn".equals(e.getString("type")))
          .map(e -> e.getJsonObject("data").getString("turn_id")).toList()).contains(queued);
      assertContiguous(events);
      JsonObject session = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id).send().await().bodyAsJsonObject();
      assertThat(session.getString("state")).isEqualTo("idle");
    } finally {
      claude.close();
    }
  }

  @Test
  @DisplayName("a graceful stop (SIGTERM) while \"wait\": true messages wait: the running turn's answers 503 (kept, resumed), the queued one's 503 (not started, send it again); after the restart the first completes and the second was never stored")
  void stoppedWithWaitingMessages(Vertx vertx) throws Exception {
    FakeAnthropic claude = FakeAnthropic.start(vertx).await();
    Map<String, String> env = env(claude);
    WebClient client = WebClient.create(vertx);
    String id;
    try (ServerProcess first = ServerProcess.start(dir, env)) {
      id = newSession(client, first);
      claude.enqueue(Reply.text("a long answer that the stop cuts, token by token").delayPerEvent(Duration.ofMillis(200)));
      String messages = "/api/agentx/sessions/" + id + "/messages";
      Future<HttpResponse<Buffer>> running = client.post(first.port(), "127.0.0.1", messages)
          .sendJsonObject(new JsonObject().put("content", "go"));
      Thread.sleep(500); // the first turn streams
      Future<HttpResponse<Buffer>> queued = client.post(first.port(), "127.0.0.1", messages)
          .sendJsonObject(new JsonObject().put("content", "and then this"));
      Thread.sleep(500); // the second message waits behind it
      assertThat(running.isComplete() || queued.isComplete()).isFalse();
      first.close();
      HttpResponse<Buffer> notStarted = queued.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(notStarted.statusCode()).as(notStarted.bodyAsString()).isEqualTo(503);
      assertThat(notStarted.bodyAsJsonObject().getString("error")).contains("neither started nor stored", "send it again");
      HttpResponse<Buffer> kept = running.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(kept.statusCode()).as(kept.bodyAsString()).isEqualTo(503);
      // told by its engine's hand-over, not left to the API's grace for answers still owed (a second longer)
      assertThat(kept.bodyAsJsonObject().getString("error")).contains("engine running this turn stopped", "kept and resumed");
    }
    String answer = "The whole answer, after the restart.";
    claude.enqueue(Reply.text(answer));
    try (ServerProcess second = ServerProcess.start(dir, env)) {
      WsClient ws = WsClient.connect(vertx, second.port(), "/api/agentx/sessions/" + id + "/stream?after=0").await();
      JsonObject turn = ws.await(WsClient.turnEvent()).await();
      assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("completed");
      List<String> stored = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/messages").send().await()
          .bodyAsJsonObject().getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("content")).toList();
      assertThat(stored).containsExactly("go", answer);
      assertThat(claude.requestCount()).isEqualTo(2);
    } finally {
      claude.close();
    }
  }

  @Test
  @DisplayName("kill -9 mid-stream: after a restart the turn is resumed (state resumed), the cut call is made again, one completed turn, the answer stored once")
  void killedMidTurnResumes(Vertx vertx) throws Exception {
    stoppedMidTurnResumes(vertx, false);
  }

  @Test
  @DisplayName("a graceful stop (SIGTERM) mid-stream leaves the turn to be resumed: after a restart it completes like after a crash")
  void stoppedMidTurnResumes(Vertx vertx) throws Exception {
    stoppedMidTurnResumes(vertx, true);
  }

  private void stoppedMidTurnResumes(Vertx vertx, boolean graceful) throws Exception {
    FakeAnthropic claude = FakeAnthropic.start(vertx).await();
    Map<String, String> env = env(claude);
    WebClient client = WebClient.create(vertx);
    String id;
    try (ServerProcess first = ServerProcess.start(dir, env)) {
      id = newSession(client, first);
      // a first token of 40 characters, then 4 each, 200 ms apart: any figures sent while it streams count 10 or more
      List<String> tokens = new ArrayList<>(List.of("a long answer that is cut by the crash, "));
      for (int i = 0; i < 15; i++) {
        tokens.add("tok" + (char) ('a' + i));
      }
      claude.enqueue(Reply.sse(String.join("", SseTranscript.message().tokens(tokens).end("end_turn")))
          .delayPerEvent(Duration.ofMillis(200)));
      WsClient ws = WsClient.connect(vertx, first.port(), "/api/agentx/sessions/" + id + "/stream").await();
      ws.send(new JsonObject().put("type", "message").put("content", "go"));
      // ten tokens streamed (76 characters, 2 s after the call's start) before the stop or the crash
      ws.awaitStreamed(10).await();
      if (graceful) {
        first.close();
      } else {
        first.kill9();
      }
    }
    String answer = "The whole answer, after the restart.";
    claude.enqueue(Reply.text(answer));
    try (ServerProcess second = ServerProcess.start(dir, env)) {
      WsClient ws = WsClient.connect(vertx, second.port(), "/api/agentx/sessions/" + id + "/stream?after=0").await();
      JsonObject turn = ws.await(WsClient.turnEvent()).await();
      assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("completed");
      // the call cut off by the stop or the crash was billed: its input (message_start's 25) counts beside the
      // redone call's (a graceful stop records it as it leaves; a crash left it with the call's first events)
      assertThat(turn.getJsonObject("data").getLong("llm_calls")).as(turn.encode()).isEqualTo(2L);
      assertThat(turn.getJsonObject("data").getLong("input_tokens")).as(turn.encode()).isEqualTo(50L);
      // its output: the redone call's 9 tokens, and what the cut one streamed, estimated at four characters a token:
      // all of it (at least the 76 characters seen: 19) when the stop counted it; after a crash, what the figures sent
      // with its events a second or more after its start counted (at least the first token's 40 characters: 10), where
      // message_start's 1 alone would make 10 in all
      long output = turn.getJsonObject("data").getLong("output_tokens");
      assertThat(output).as(turn.encode()).isGreaterThanOrEqualTo(graceful ? 28L : 19L);
      JsonArray events = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/events?after=0").send().await()
          .bodyAsJsonObject().getJsonArray("events");
      assertContiguous(events);
      List<JsonObject> all = events.stream().map(e -> (JsonObject) e).toList();
      assertThat(all.stream().filter(e -> "turn".equals(e.getString("type")))).hasSize(1);
      int resumedAt = -1;
      for (int i = 0; i < all.size(); i++) {
        if ("state".equals(all.get(i).getString("type")) && "resumed".equals(all.get(i).getJsonObject("data").getString("state"))) {
          resumedAt = i;
        }
      }
      assertThat(resumedAt).as("a state resumed event").isPositive();
      assertThat(all.subList(resumedAt, all.size()).stream().filter(e -> "stream".equals(e.getString("type")))
          .map(e -> e.getString("data")).reduce("", String::concat)).as("the answer streamed again after it").isEqualTo(answer);
      List<JsonObject> messages = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/messages").send().await()
          .bodyAsJsonObject().getJsonArray("messages").stream().map(m -> (JsonObject) m).toList();
      assertThat(messages.stream().map(m -> m.getString("role"))).containsExactly("user", "assistant");
      assertThat(messages.get(1).getString("content")).as("the stored answer holds the text once").isEqualTo(answer);
      assertThat(claude.requestCount()).isEqualTo(2);
      JsonObject session = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id).send().await().bodyAsJsonObject();
      assertThat(session.getString("state")).isEqualTo("idle");
    } finally {
      claude.close();
    }
  }

  @Test
  @DisplayName("kill -9 while a turn waits for approval; restart; approve over REST: the tool runs once, Claude's next call happens, the turn completes")
  void killedWhileAwaitingApproval(Vertx vertx) throws Exception {
    FakeAnthropic claude = FakeAnthropic.start(vertx).await();
    FakeComfyUi comfy = new FakeComfyUi(vertx).start().await();
    Map<String, String> env = env(claude, "COMFYUI_URL", comfy.baseUrl());
    WebClient client = WebClient.create(vertx);
    String id;
    try (ServerProcess first = ServerProcess.start(dir, env)) {
      id = client.post(first.port(), "127.0.0.1", "/api/agentx/sessions").sendJsonObject(new JsonObject()
              .put("config", new JsonObject().put("tool_approval", new JsonObject().put("get_queue", "ask")))).await()
          .bodyAsJsonObject().getString("session_id");
      claude.enqueue(Reply.toolUse("Let me check the queue.", List.of(new ToolUseSpec("toolu_k1", "get_queue", new JsonObject()))));
      var waiting = client.post(first.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/messages")
          .sendJsonObject(new JsonObject().put("content", "what runs?")).await();
      assertThat(waiting.statusCode()).as(waiting.bodyAsString()).isEqualTo(202);
      first.kill9();
    }
    claude.enqueue(Reply.text("Nothing is queued."));
    try (ServerProcess second = ServerProcess.start(dir, env)) {
      JsonArray pending = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/approvals").send().await()
          .bodyAsJsonObject().getJsonArray("approvals");
      assertThat(pending).hasSize(1);
      assertThat(comfy.count("GET /queue")).isZero();
      WsClient ws = WsClient.connect(vertx, second.port(), "/api/agentx/sessions/" + id + "/stream?after=0").await();
      var approved = client.post(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/approvals/toolu_k1")
          .sendJsonObject(new JsonObject().put("decision", "approve")).await();
      assertThat(approved.statusCode()).as(approved.bodyAsString()).isEqualTo(200);
      JsonObject turn = ws.await(WsClient.turnEvent()).await();
      assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("completed");
      assertThat(comfy.count("GET /queue")).as("the tool ran exactly once").isEqualTo(1);
      assertThat(claude.requestCount()).isEqualTo(2);
      JsonArray events = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/events?after=0").send().await()
          .bodyAsJsonObject().getJsonArray("events");
      assertContiguous(events);
      assertThat(events.stream().filter(e -> "turn".equals(((JsonObject) e).getString("type")))).hasSize(1);
    } finally {
      claude.close();
      comfy.stop();
    }
  }

  /** The server's environment: its SQLite file under the test's folder, the fake Claude, and {@code extra} name/value pairs. */
  private static Map<String, String> env(FakeAnthropic claude, String... extra) {
    Map<String, String> env = new java.util.HashMap<>(Map.of(
        "AGENTX_DATABASE_URL", "sqlite:///data/agentx.db",
        "ANTHROPIC_API_KEY", "sk-ant-durability",
        "ANTHROPIC_BASE_URL", claude.baseUrl()));
    for (int i = 0; i + 1 < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return env;
  }

  private static String newSession(WebClient client, ServerProcess server) {
    return client.post(server.port(), "127.0.0.1", "/api/agentx/sessions").sendJsonObject(new JsonObject()).await()
        .bodyAsJsonObject().getString("session_id");
  }

  private static void assertContiguous(JsonArray events) {
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.getJsonObject(i).getLong("seq")).as("seq %d", i + 1).isEqualTo(i + 1L);
    }
  }
}
