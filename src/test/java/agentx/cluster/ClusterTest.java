package agentx.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.AgentX;
import agentx.config.AgentXConfig;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Several clustered Vert.x nodes in one JVM over Hazelcast on loopback, each with its own roles. */
@ExtendWith(VertxExtension.class)
class ClusterTest {
  @TempDir Path dir;
  // below Linux's ephemeral range (32768+), so no client socket can hold one of these ports
  final int basePort = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
  final List<AgentX> nodes = new ArrayList<>();
  FakeAnthropic claude;

  @AfterEach
  void stopAll() {
    for (AgentX node : nodes) {
      node.close().await();
    }
    if (claude != null) {
      claude.close();
    }
  }

  private AgentX node(int index, String roles) {
    return node(index, roles, true);
  }

  private AgentX node(int index, String roles, boolean withClaudeKey) {
    String members = IntStream.range(0, 6).mapToObj(i -> "127.0.0.1:" + (basePort + i)).collect(Collectors.joining(","));
    Map<String, Object> values = new HashMap<>(Map.of(
        AgentXConfig.CLUSTER, true,
        AgentXConfig.CLUSTER_HOST, "127.0.0.1",
        AgentXConfig.CLUSTER_PORT, basePort + index,
        AgentXConfig.CLUSTER_MEMBERS, members,
        AgentXConfig.CLUSTER_FAILURE_TIMEOUT, 5,
        AgentXConfig.ROLES, roles,
        AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-cluster",
        AgentXConfig.ANTHROPIC_BASE_URL, claude.baseUrl(),
        AgentXConfig.WS_HEARTBEAT, 0));
    if (!withClaudeKey) {
      values.remove(AgentXConfig.ANTHROPIC_API_KEY);
    }
    AgentX node = AgentX.start(TestRuntime.config(dir, values)).await();
    nodes.add(node);
    return node;
  }

  private static Future<HttpResponse<Buffer>> send(WebClient http, AgentX api, String id, String content) {
    return http.post(api.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/messages")
        .sendJsonObject(new JsonObject().put("content", content));
  }

  @Test
  @DisplayName("api, engine and store on separate nodes serve a streaming turn; two API nodes both see every event; an engine death fails the turn and another engine takes the next")
  void turnAcrossNodes(Vertx vertx) {
    claude = FakeAnthropic.start(vertx).await();
    AgentX store = node(0, "store");
    AgentX engine = node(1, "engine,tools");
    AgentX apiA = node(2, "api", false);
    AgentX apiB = node(3, "api");
    WebClient http = WebClient.create(vertx);

    // the README's split deployment: the api node has no Claude key, the engine node has one; /health asks the nodes
    JsonObject health = http.get(apiA.port(), "127.0.0.1", "/health").send().await().bodyAsJsonObject();
    assertThat(health.getString("llm")).isEqualTo("configured");
    assertThat(health.getString("status")).isEqualTo("healthy");
    assertThat(health.getJsonObject("roles")).isEqualTo(new JsonObject().put("store", "up").put("engine", "up").put("tools", "up"));

    String id = http.post(apiA.port(), "127.0.0.1", "/api/agentx/sessions").sendJsonObject(new JsonObject()).await()
        .bodyAsJsonObject().getString("session_id");
    WsClient wsA = WsClient.connect(vertx, apiA.port(), "/api/agentx/sessions/" + id + "/stream").await();
    WsClient wsB = WsClient.connect(vertx, apiB.port(), "/api/agentx/sessions/" + id + "/stream").await();
    // a socket answers its first frame once it follows the session across the cluster: from then on it misses nothing
    for (WsClient ws : List.of(wsA, wsB)) {
      ws.send(new JsonObject().put("type", "ping"));
      ws.await(f -> "pong".equals(f.getString("type"))).await();
      ws.frames.clear();
    }

    claude.enqueue(Reply.text("Across the cluster we go."));
    HttpResponse<Buffer> reply = send(http, apiA, id, "hello").await();
    assertThat(reply.statusCode()).as(reply.bodyAsString()).isEqualTo(200);
    assertThat(reply.bodyAsJsonObject().getString("content")).isEqualTo("Across the cluster we go.");
    wsA.await(WsClient.turnEvent()).await();
    wsB.await(WsClient.turnEvent()).await();
    assertThat(wsA.frames.stream().map(f -> f.getLong("seq")).toList())
        .isEqualTo(wsB.frames.stream().map(f -> f.getLong("seq")).toList())
        .isEqualTo(LongListOf(1, wsA.frames.size()));
    assertThat(wsB.frames.stream().filter(f -> "stream".equals(f.getString("type"))).map(f -> f.getString("data"))
        .collect(Collectors.joining())).isEqualTo("Across the cluster we go.");

    // two turns sent at once through two API nodes run one after the other. The session lock is a
    // Hazelcast semaphore without the CP subsystem, which can be granted twice while partitions migrate
    // (the last node's join has just started a migration): then the store's one-running-turn rule makes
    // the second wait (README, Known limits), so the cluster is not left to settle first
    claude.enqueue(Reply.text("first one").delayPerEvent(Duration.ofMillis(20))).enqueue(Reply.text("second one"));
    var a = send(http, apiA, id, "a");
    var b = send(http, apiB, id, "b");
    Future.all(a, b).await();
    assertThat(a.result().statusCode()).isEqualTo(200);
    assertThat(b.result().statusCode()).isEqualTo(200);
    List<String> turnOrder = http.get(apiA.port(), "127.0.0.1", "/api/agentx/sessions/" + id + "/events?after=0").send().await()
        .bodyAsJsonObject().getJsonArray("events").stream().map(e -> ((JsonObject) e).getString("turn_id")).toList();
    assertThat(turnOrder.stream().distinct().count()).isEqualTo(3);
    for (int i = 1; i < turnOrder.size(); i++) {
      // a turn id never comes back once another turn started: the turns did not interleave
      if (!turnOrder.get(i).equals(turnOrder.get(i - 1))) {
        assertThat(turnOrder.subList(0, i - 1)).doesNotContain(turnOrder.get(i));
      }
    }

    // the engine node stops mid-turn (a rolling restart): it leaves the turn to be resumed, and the next
    // engine to come finishes it; the REST caller gets that answer
    claude.enqueue(Reply.text("this answer is cut because its engine stops").delayPerEvent(Duration.ofMillis(300)))
        .enqueue(Reply.text("Finished by the next engine."));
    int before = wsA.frames.size();
    var pending = send(http, apiA, id, "handed over");
    wsA.await(f -> wsA.frames.indexOf(f) >= before && "stream".equals(f.getString("type"))).await();
    nodes.remove(engine);
    engine.close().await();
    node(4, "engine,tools");
    JsonObject resumed = wsA.await(f -> wsA.frames.indexOf(f) >= before && "turn".equals(f.getString("type"))).await();
    assertThat(resumed.getJsonObject("data").getString("status")).isEqualTo("completed");
    assertThat(wsA.frames.subList(before, wsA.frames.size()).stream().filter(f -> "state".equals(f.getString("type")))
        .map(f -> f.getJsonObject("data").getString("state"))).contains("resumed");
    HttpResponse<Buffer> handedOver = pending.await();
    assertThat(handedOver.statusCode()).as(handedOver.bodyAsString()).isEqualTo(200);
    assertThat(handedOver.bodyAsJsonObject().getString("content")).isEqualTo("Finished by the next engine.");

    claude.enqueue(Reply.text("A new engine answers."));
    HttpResponse<Buffer> next = send(http, apiB, id, "again").await();
    assertThat(next.statusCode()).as(next.bodyAsString()).isEqualTo(200);
    assertThat(next.bodyAsJsonObject().getString("content")).isEqualTo("A new engine answers.");

    // no store node left: requests fail fast with 503 STORE_UNAVAILABLE instead of hanging
    nodes.remove(store);
    store.close().await();
    long start = System.nanoTime();
    HttpResponse<Buffer> noStore = http.get(apiA.port(), "127.0.0.1", "/api/agentx/sessions").send().await();
    assertThat(noStore.statusCode()).isEqualTo(503);
    assertThat(noStore.bodyAsJsonObject().getString("code")).isEqualTo("STORE_UNAVAILABLE");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  private static List<Long> LongListOf(long from, int count) {
    return java.util.stream.LongStream.range(from, from + count).boxed().toList();
  }
}
