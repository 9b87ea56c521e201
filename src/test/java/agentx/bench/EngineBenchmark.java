package agentx.bench;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How fast the engine moves Claude's tokens to a WebSocket client while persisting every event.
 * Not part of the suite (the name does not end in Test); run it with
 * {@code ./mvnw -o -B test -Dtest=EngineBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 * and read {@code target/engine-benchmark.txt}. The numbers go in docs/PERFORMANCE.md.
 */
class EngineBenchmark {
  private static final int TOKENS = 2_000;
  private static final int CONCURRENT = 20;
  @TempDir Path dir;
  private final List<String> report = new ArrayList<>();

  @Test
  void run() throws Exception {
    Vertx vertx = Vertx.vertx();
    FakeAnthropic claude = FakeAnthropic.start(vertx).await();
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(
        AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-bench",
        AgentXConfig.ANTHROPIC_BASE_URL, claude.baseUrl(),
        AgentXConfig.WS_HEARTBEAT, 0,
        AgentXConfig.LOG_LEVEL, "WARN"))).await();
    String answer = "abcd".repeat(TOKENS); // FakeAnthropic streams 4 characters per text_delta
    try {
      line("%d-token answers (one text_delta event each), SQLite in a temp folder, %d cores, Java %s",
          TOKENS, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
      // warm-up: JIT, connection pools, prepared statements
      for (int i = 0; i < 3; i++) {
        oneTurn(vertx, rt, claude, Reply.text(answer));
      }

      long paceMs = 2;
      claude.enqueue(Reply.text(answer).delayPerEvent(Duration.ofMillis(paceMs)));
      double upstreamMs = rawStreamMs(vertx, claude);
      Result paced = oneTurn(vertx, rt, claude, Reply.text(answer).delayPerEvent(Duration.ofMillis(paceMs)));
      line("paced upstream (%d ms per token; read directly, the fake's stream takes %.0f ms): through the engine the turn took %d ms,"
          + " first token after %d ms, last token at %.0f ms: %.1f ms added over the whole answer (%.3f ms per token)",
          paceMs, upstreamMs, paced.totalMs, paced.firstTokenMs, paced.lastTokenMs, paced.lastTokenMs - upstreamMs,
          (paced.lastTokenMs - upstreamMs) / TOKENS);

      Result burst = oneTurn(vertx, rt, claude, Reply.text(answer));
      line("unpaced upstream, 1 session: %d ms for %d events -> %.0f events/s to the WebSocket, all persisted",
          burst.totalMs, burst.events, burst.events * 1000.0 / burst.totalMs);

      long start = System.nanoTime();
      List<Future<Result>> all = new ArrayList<>();
      for (int i = 0; i < CONCURRENT; i++) {
        claude.enqueue(Reply.text(answer));
      }
      for (int i = 0; i < CONCURRENT; i++) {
        all.add(startTurn(vertx, rt));
      }
      Future.all(all).await();
      long totalMs = (System.nanoTime() - start) / 1_000_000;
      long events = all.stream().mapToLong(f -> f.result().events).sum();
      line("unpaced upstream, %d sessions at once: %d ms for %d events -> %.0f events/s overall; slowest turn %d ms",
          CONCURRENT, totalMs, events, events * 1000.0 / totalMs,
          all.stream().mapToLong(f -> f.result().totalMs).max().orElse(0));

      System.gc();
      long heapMb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
      line("heap used after the runs and a GC: %d MiB (whole test JVM, fake servers included)", heapMb);
      long stored = rt.http.get("/api/agentx/sessions?limit=1").send().await().bodyAsJsonObject().getLong("total");
      line("sessions stored: %d", stored);
    } finally {
      rt.agentx.close().await();
      claude.close();
      vertx.close().await();
      write();
    }
  }

  /** The fake's own pace: how long reading its stream directly takes, the baseline for the engine's overhead. */
  private static double rawStreamMs(Vertx vertx, FakeAnthropic claude) {
    var client = vertx.createHttpClient();
    long start = System.nanoTime();
    java.net.URI uri = java.net.URI.create(claude.baseUrl());
    client.request(io.vertx.core.http.HttpMethod.POST, uri.getPort(), uri.getHost(), "/v1/messages")
        .compose(req -> req.putHeader("content-type", "application/json").putHeader("x-api-key", "sk-ant-bench")
            .putHeader("anthropic-version", "2023-06-01")
            .send(new JsonObject().put("model", "claude-sonnet-4-6").put("max_tokens", 10).put("stream", true)
                .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user").put("content", "x"))).encode()))
        .compose(resp -> resp.body())
        .await();
    client.close();
    return (System.nanoTime() - start) / 1e6;
  }

  private record Result(long totalMs, long firstTokenMs, double lastTokenMs, long events) {}

  private Result oneTurn(Vertx vertx, TestRuntime rt, FakeAnthropic claude, Reply reply) {
    claude.enqueue(reply);
    return startTurn(vertx, rt).await();
  }

  /** Opens a session's WebSocket, sends a message frame, and times the tokens until the turn event. */
  private Future<Result> startTurn(Vertx vertx, TestRuntime rt) {
    return rt.createSession(new JsonObject()).compose(session -> {
      String id = session.getString("session_id");
      return WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").compose(ws -> {
        long start = System.nanoTime();
        long[] firstToken = {-1};
        double[] lastToken = {0};
        long[] tokens = {0};
        ws.frameListener = frame -> {
          if ("stream".equals(frame.getString("type"))) {
            double at = (System.nanoTime() - start) / 1e6;
            if (firstToken[0] < 0) {
              firstToken[0] = (long) at;
            }
            lastToken[0] = at;
            tokens[0]++;
          }
        };
        ws.send(new JsonObject().put("type", "message").put("content", "benchmark"));
        return ws.await(WsClient.turnEvent()).map(turn -> {
          assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("completed");
          assertThat(tokens[0]).isEqualTo(TOKENS);
          long totalMs = (System.nanoTime() - start) / 1_000_000;
          ws.close();
          return new Result(totalMs, firstToken[0], lastToken[0], ws.frames.size());
        });
      });
    });
  }

  private void line(String format, Object... args) {
    String text = String.format(format, args);
    report.add(text);
    System.out.println(text);
  }

  private void write() throws IOException {
    Path out = Path.of("target", "engine-benchmark.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report.stream().collect(Collectors.joining("\n", "", "\n")));
  }
}
