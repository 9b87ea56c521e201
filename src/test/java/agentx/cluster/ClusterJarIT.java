package agentx.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.FakeAnthropic.ToolUseSpec;
import agentx.testing.FakeComfyUi;
import agentx.testing.Fixtures;
import agentx.testing.Poll;
import agentx.testing.ServerProcess;
import agentx.testing.TestDatabases;
import agentx.testing.TestDatabases.Backend;
import agentx.testing.TestDatabases.TestDatabase;
import agentx.testing.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster as operators run it: {@code java -jar target/agentx.jar --cluster} three times on
 * loopback (store on PostgreSQL, engine+tools, api), only Claude faked. Covers what the in-JVM
 * {@link ClusterTest} cannot: an engine JVM killed with SIGKILL mid-turn, noticed by Hazelcast's
 * failure detection; the store offers its turn to the engines and the surviving one finishes it
 * (issue 14), also when the turn was in the middle of a ComfyUI run.
 */
@ExtendWith(VertxExtension.class)
class ClusterJarIT {
  private static final int FAILURE_TIMEOUT_S = 5;
  /** Detection (≤ the failure timeout), the claim, and the rest of the turn on the other engine. */
  private static final Duration RESUMED_TURN_DEADLINE = Duration.ofSeconds(FAILURE_TIMEOUT_S + 30);
  private static final Duration STEP = Duration.ofSeconds(30);

  @TempDir Path dir;
  // below Linux's ephemeral range (32768+), so no client socket can hold one of these ports
  private final int basePort = 21_000 + ThreadLocalRandom.current().nextInt(11_000);
  private final List<ServerProcess> nodes = new ArrayList<>();
  private FakeAnthropic claude;
  private FakeComfyUi comfy;

  @AfterEach
  void stopAll() throws Exception {
    for (ServerProcess node : nodes) {
      node.kill9();
    }
    if (claude != null) {
      claude.close().await();
    }
    if (comfy != null) {
      comfy.stop();
    }
  }

  private static Path jar() {
    return Path.of(System.getProperty("agentx.jar", "target/agentx.jar"));
  }

  private ServerProcess node(String name, int index, String roles, Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("AGENTX_CLUSTER_HOST", "127.0.0.1");
    env.put("AGENTX_CLUSTER_PORT", String.valueOf(basePort + index));
    // store, engine, api and the engines that take over from the killed ones
    env.put("AGENTX_CLUSTER_MEMBERS", IntStream.range(0, 5).mapToObj(i -> "127.0.0.1:" + (basePort + i)).collect(Collectors.joining(",")));
    env.put("AGENTX_CLUSTER_FAILURE_TIMEOUT", String.valueOf(FAILURE_TIMEOUT_S));
    env.put("ANTHROPIC_API_KEY", "sk-ant-jar-it");
    env.put("ANTHROPIC_BASE_URL", claude.baseUrl());
    env.put("COMFYUI_URL", comfy != null ? comfy.baseUrl() : "http://127.0.0.1:9");
    env.put("AGENTX_WS_HEARTBEAT", "0");
    env.putAll(extraEnv);
    Path workDir = Files.createDirectories(dir.resolve(name));
    ServerProcess process = ServerProcess.startJar(name, jar(), workDir, env, ServerProcess.STARTED,
        "--cluster", "--roles", roles, "--port", "0");
    synchronized (nodes) {
      nodes.add(process);
    }
    return process;
  }

  private CompletableFuture<ServerProcess> nodeAsync(String name, int index, String roles) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return node(name, index, roles, Map.of());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static Future<HttpResponse<Buffer>> send(WebClient http, int port, String id, String content) {
    return http.post(port, "127.0.0.1", "/api/agentx/sessions/" + id + "/messages").sendJsonObject(new JsonObject().put("content", content));
  }

  private static <T> T within(Duration limit, Future<T> future) {
    return future.timeout(limit.toMillis(), TimeUnit.MILLISECONDS).await();
  }

  private static Predicate<JsonObject> after(WsClient ws, int index, String type) {
    return f -> ws.frames.indexOf(f) >= index && type.equals(f.getString("type"));
  }

  private static void assertSeqsContiguous(TestDatabase db, String id, WsClient ws) {
    List<Long> stored = db.eventSeqs(id);
    assertThat(stored).as("seqs stay contiguous across the killed engine").isEqualTo(LongStream.rangeClosed(1, stored.size()).boxed().toList());
    List<Long> seen = ws.frames.stream().map(f -> f.getLong("seq")).toList();
    assertThat(seen).as("the socket saw each seq once, in order").isEqualTo(LongStream.rangeClosed(1, seen.size()).boxed().toList());
  }

  private String logs() {
    synchronized (nodes) {
      return nodes.stream().map(ServerProcess::log).collect(Collectors.joining());
    }
  }

  @Test
  @DisplayName("java -jar nodes (store on PostgreSQL, engine, api) serve a streaming turn; an engine killed with -9 mid-stream has its turn finished by another engine; one killed during a ComfyUI run too, with one POST /prompt")
  void clusterOfJars(Vertx vertx) throws Exception {
    claude = FakeAnthropic.start(vertx).await();
    comfy = new FakeComfyUi(vertx).wsMessageDelay(Duration.ofMillis(20)).start().await();
    TestDatabase db = TestDatabases.create(Backend.POSTGRESQL, dir);
    try {
      node("store", 0, "store", Map.of("AGENTX_DATABASE_URL", db.url(), "AGENTX_STORE_SHARED", "true"));
      CompletableFuture<ServerProcess> engineStart = nodeAsync("engine", 1, "engine,tools");
      CompletableFuture<ServerProcess> apiStart = nodeAsync("api", 2, "api");
      ServerProcess engine = engineStart.get(120, TimeUnit.SECONDS);
      int api = apiStart.get(120, TimeUnit.SECONDS).port();
      assertThat(api).isPositive();
      WebClient http = WebClient.create(vertx);

      // a full streaming turn through the three JVMs
      HttpResponse<Buffer> created = within(STEP, http.post(api, "127.0.0.1", "/api/agentx/sessions")
          .sendJsonObject(new JsonObject().put("title", "jar cluster")));
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      String id = created.bodyAsJsonObject().getString("session_id");
      WsClient ws = within(STEP, WsClient.connect(vertx, api, "/api/agentx/sessions/" + id + "/stream"));

      String answer = "Three JVMs, one answer.";
      claude.enqueue(Reply.text(answer));
      HttpResponse<Buffer> reply = within(STEP, send(http, api, id, "hello"));
      assertThat(reply.statusCode()).as(reply.bodyAsString()).isEqualTo(200);
      assertThat(reply.bodyAsJsonObject().getString("content")).isEqualTo(answer);
      JsonObject turn = within(STEP, ws.await(WsClient.turnEvent()));
      assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("completed");
      assertThat(ws.frames.stream().filter(f -> "stream".equals(f.getString("type"))).map(f -> f.getString("data"))
          .collect(Collectors.joining())).isEqualTo(answer);
      assertThat(ws.frames.stream().filter(WsClient.turnEvent())).hasSize(1);
      List<Long> seen = ws.frames.stream().map(f -> f.getLong("seq")).toList();
      assertThat(seen).isEqualTo(LongStream.rangeClosed(1, seen.size()).boxed().toList());

      // ...and it is in PostgreSQL
      assertThat(db.query("SELECT title, state, message_count FROM sessions WHERE session_id = ?", id))
          .containsExactly(List.of("jar cluster", "idle", 2L));
      assertThat(db.query("SELECT role, content FROM messages WHERE session_id = ? ORDER BY position", id))
          .containsExactly(List.of("user", "hello"), List.of("assistant", answer));
      assertThat(db.query("SELECT status FROM turns WHERE session_id = ?", id)).containsExactly(List.of("completed"));
      assertThat(db.eventSeqs(id)).isEqualTo(seen);

      // the engine JVM is killed mid-stream; an engine that joined meanwhile finishes the turn
      StringBuilder longAnswer = new StringBuilder();
      for (int i = 0; i < 150; i++) {
        longAnswer.append("word").append(i).append(' ');
      }
      String resumedAnswer = "The other engine finished this answer.";
      claude.enqueue(Reply.text(longAnswer.toString()).delayPerEvent(Duration.ofMillis(300))).enqueue(Reply.text(resumedAnswer));
      int before = ws.frames.size();
      Future<HttpResponse<Buffer>> interrupted = send(http, api, id, "interrupted");
      String turnId = within(STEP, ws.await(after(ws, before, "stream"))).getString("turn_id");
      ServerProcess engine2 = node("engine-2", 3, "engine,tools", Map.of());
      assertThat(ws.frames.stream().filter(f -> turnId.equals(f.getString("turn_id")) && "turn".equals(f.getString("type"))))
          .as("engine-2 was up before the first engine's answer ended").isEmpty();
      engine.kill9();
      JsonObject finished = within(RESUMED_TURN_DEADLINE, ws.await(after(ws, before, "turn")));
      assertThat(finished.getString("turn_id")).isEqualTo(turnId);
      assertThat(finished.getJsonObject("data").getString("status")).isEqualTo("completed");
      HttpResponse<Buffer> interruptedReply = within(STEP, interrupted);
      assertThat(interruptedReply.statusCode()).as(interruptedReply.bodyAsString()).isEqualTo(200);
      assertThat(interruptedReply.bodyAsJsonObject().getString("content")).isEqualTo(resumedAnswer);
      List<JsonObject> ofTurn = ws.frames.stream().filter(f -> turnId.equals(f.getString("turn_id"))).toList();
      assertThat(ofTurn.stream().filter(f -> "turn".equals(f.getString("type")))).hasSize(1);
      assertThat(ofTurn.stream().anyMatch(f -> "state".equals(f.getString("type"))
          && "resumed".equals(f.getJsonObject("data").getString("state")))).isTrue();
      assertThat(db.query("SELECT content FROM messages WHERE turn_id = ? AND role = 'assistant'", turnId))
          .as("the stored answer holds the resumed text once").containsExactly(List.of(resumedAnswer));
      assertThat(db.query("SELECT status FROM turns WHERE turn_id = ?", turnId)).containsExactly(List.of("completed"));
      assertThat(db.query("SELECT state FROM sessions WHERE session_id = ?", id)).containsExactly(List.of("idle"));
      assertSeqsContiguous(db, id, ws);

      // a ComfyUI run is in flight when its engine dies: the next engine re-attaches to it, nothing is queued twice
      HttpResponse<Buffer> put = within(STEP, http.put(api, "127.0.0.1", "/api/agentx/sessions/" + id + "/workflow")
          .sendJsonObject(new JsonObject().put("workflow", Fixtures.json("default_workflow_api.json"))));
      assertThat(put.statusCode()).as(put.bodyAsString()).isEqualTo(200);
      comfy.holdRuns(true);
      claude.enqueue(Reply.toolUse("Running it.", List.of(new ToolUseSpec("toolu_run1", "run_workflow", new JsonObject()))))
          .enqueue(Reply.text("The image is ready."));
      int beforeRun = ws.frames.size();
      Future<HttpResponse<Buffer>> running = send(http, api, id, "run it");
      Poll.until(STEP, "ComfyUI got the prompt", () -> comfy.count("POST /prompt") == 1);
      String runTurn = ws.frames.get(beforeRun).getString("turn_id");
      node("engine-3", 4, "engine,tools", Map.of());
      engine2.kill9();
      Poll.until(RESUMED_TURN_DEADLINE, "the turn resumed", () -> ws.frames.stream().anyMatch(f -> runTurn.equals(f.getString("turn_id"))
          && "state".equals(f.getString("type")) && "resumed".equals(f.getJsonObject("data").getString("state"))));
      comfy.holdRuns(false);
      JsonObject ran = within(RESUMED_TURN_DEADLINE, ws.await(after(ws, beforeRun, "turn")));
      assertThat(ran.getJsonObject("data").getString("status")).isEqualTo("completed");
      assertThat(comfy.count("POST /prompt")).as("the run was re-attached, not queued again").isEqualTo(1);
      HttpResponse<Buffer> runReply = within(STEP, running);
      assertThat(runReply.statusCode()).as(runReply.bodyAsString()).isEqualTo(200);
      assertThat(runReply.bodyAsJsonObject().getString("content")).isEqualTo("The image is ready.");
      assertThat(ws.frames.stream().filter(f -> runTurn.equals(f.getString("turn_id")) && "turn".equals(f.getString("type")))).hasSize(1);
      assertThat(db.query("SELECT COUNT(*) FROM messages WHERE turn_id = ? AND role = 'user' AND tool_calls <> '[]'", runTurn).get(0).get(0))
          .asString().isEqualTo("1");
      assertSeqsContiguous(db, id, ws);
    } catch (Throwable t) {
      String turns;
      try {
        turns = String.valueOf(db.query("SELECT turn_id, status, engine_node, error_code FROM turns"));
      } catch (RuntimeException e) {
        turns = e.getMessage();
      }
      throw new AssertionError(t.getMessage() + "\n--- turns ---\n" + turns + "\n--- node output ---\n" + logs(), t);
    }
  }
}
