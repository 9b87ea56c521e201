package agentx.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
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
 * failure detection, its turn closed by the store's engine watch.
 */
@ExtendWith(VertxExtension.class)
class ClusterJarIT {
  private static final int FAILURE_TIMEOUT_S = 5;
  /** Detection (≤ the failure timeout) plus closing the turn and carrying its events to the socket. */
  private static final Duration FAILED_TURN_DEADLINE = Duration.ofSeconds(FAILURE_TIMEOUT_S + 10);
  private static final Duration STEP = Duration.ofSeconds(30);

  @TempDir Path dir;
  // below Linux's ephemeral range (32768+), so no client socket can hold one of these ports
  private final int basePort = 21_000 + ThreadLocalRandom.current().nextInt(11_000);
  private final List<ServerProcess> nodes = new ArrayList<>();
  private FakeAnthropic claude;

  @AfterEach
  void stopAll() throws Exception {
    for (ServerProcess node : nodes) {
      node.kill9();
    }
    if (claude != null) {
      claude.close().await();
    }
  }

  private static Path jar() {
    return Path.of(System.getProperty("agentx.jar", "target/agentx.jar"));
  }

  private ServerProcess node(String name, int index, String roles, Map<String, String> extraEnv) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("AGENTX_CLUSTER_HOST", "127.0.0.1");
    env.put("AGENTX_CLUSTER_PORT", String.valueOf(basePort + index));
    // store, engine, api and the engine that replaces the killed one
    env.put("AGENTX_CLUSTER_MEMBERS", IntStream.range(0, 4).mapToObj(i -> "127.0.0.1:" + (basePort + i)).collect(Collectors.joining(",")));
    env.put("AGENTX_CLUSTER_FAILURE_TIMEOUT", String.valueOf(FAILURE_TIMEOUT_S));
    env.put("ANTHROPIC_API_KEY", "sk-ant-jar-it");
    env.put("ANTHROPIC_BASE_URL", claude.baseUrl());
    env.put("COMFYUI_URL", "http://127.0.0.1:9");
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

  private String logs() {
    synchronized (nodes) {
      return nodes.stream().map(ServerProcess::log).collect(Collectors.joining());
    }
  }

  @Test
  @DisplayName("three java -jar nodes (store on PostgreSQL, engine, api) serve a streaming turn; an engine killed with -9 mid-turn fails that turn within the failure timeout; a new engine serves the next")
  void clusterOfJars(Vertx vertx) throws Exception {
    claude = FakeAnthropic.start(vertx).await();
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
      assertThat(db.query("SELECT seq FROM events WHERE session_id = ? ORDER BY seq", id).stream()
          .map(r -> ((Number) r.get(0)).longValue()).toList()).isEqualTo(seen);

      // the engine JVM is killed mid-turn
      claude.enqueue(Reply.text("this answer never finishes because its engine dies").delayPerEvent(Duration.ofMillis(300)));
      int before = ws.frames.size();
      Future<HttpResponse<Buffer>> doomed = send(http, api, id, "doomed");
      within(STEP, ws.await(after(ws, before, "stream")));
      long killedAt = System.nanoTime();
      engine.kill9();
      JsonObject failed = within(FAILED_TURN_DEADLINE, ws.await(after(ws, before, "turn")));
      Duration toFail = Duration.ofNanos(System.nanoTime() - killedAt);
      assertThat(failed.getJsonObject("data").getString("status")).isEqualTo("failed");
      assertThat(failed.getJsonObject("data").getString("error_code")).isEqualTo("SERVICE_UNAVAILABLE");
      assertThat(toFail).isLessThan(FAILED_TURN_DEADLINE);
      HttpResponse<Buffer> doomedReply = within(STEP, doomed);
      assertThat(doomedReply.statusCode()).as(doomedReply.bodyAsString()).isEqualTo(503);
      assertThat(db.query("SELECT status, error_code FROM turns WHERE turn_id = ?", failed.getString("turn_id")))
          .containsExactly(List.of("failed", "SERVICE_UNAVAILABLE"));
      assertThat(db.query("SELECT state FROM sessions WHERE session_id = ?", id)).containsExactly(List.of("idle"));

      // a new engine JVM joins and serves the next message
      node("engine-2", 3, "engine,tools", Map.of());
      claude.enqueue(Reply.text("A new engine answers."));
      HttpResponse<Buffer> next = within(STEP, send(http, api, id, "again"));
      assertThat(next.statusCode()).as(next.bodyAsString()).isEqualTo(200);
      assertThat(next.bodyAsJsonObject().getString("content")).isEqualTo("A new engine answers.");
      assertThat(db.query("SELECT status, COUNT(*) FROM turns WHERE session_id = ? GROUP BY status ORDER BY status", id))
          .containsExactly(List.of("completed", 2L), List.of("failed", 1L));
      List<Long> stored = db.query("SELECT seq FROM events WHERE session_id = ? ORDER BY seq", id).stream()
          .map(r -> ((Number) r.get(0)).longValue()).toList();
      assertThat(stored).as("seqs stay contiguous across the killed engine").isEqualTo(LongStream.rangeClosed(1, stored.size()).boxed().toList());
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
