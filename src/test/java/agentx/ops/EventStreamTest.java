package agentx.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import agentx.config.AgentXConfig;
import agentx.events.Events;
import agentx.events.Metrics;
import agentx.protocol.AppendEvents;
import agentx.protocol.StoreClient;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.Poll;
import agentx.testing.SseClient;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
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

/** {@code GET /sessions/{id}/events/stream}: SSE read off a plain socket, resumed with Last-Event-ID, no gap and no duplicate. */
@ExtendWith(VertxExtension.class)
class EventStreamTest {
  @TempDir Path dir;
  FakeAnthropic claude;
  TestRuntime rt;

  private void start(Vertx vertx, Map<String, Object> extra) {
    claude = FakeAnthropic.start(vertx).await();
    rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, extra)).await();
  }

  @AfterEach
  void stop() {
    if (claude != null) {
      claude.close();
    }
  }

  private String newSession() {
    return rt.createSession(new JsonObject()).await().getString("session_id");
  }

  private String stream(String id) {
    return "/api/agentx/sessions/" + id + "/events/stream";
  }

  private static List<Long> seqs(List<SseClient.Event> events) {
    return events.stream().map(e -> e.data().getLong("seq")).toList();
  }

  @Test
  @DisplayName("replay from ?after=0, then a reconnect with Last-Event-ID gets the rest and the live tail of a background turn, each once")
  void resumeWithLastEventId(Vertx vertx) throws IOException {
    start(vertx, Map.of());
    String id = newSession();
    HttpResponse<Buffer> first = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "one")).await();
    assertThat(first.statusCode()).isEqualTo(200);
    long stored = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject().getLong("next_after");

    List<SseClient.Event> seen = new ArrayList<>();
    try (SseClient sse = SseClient.open(rt.port(), stream(id) + "?after=0")) {
      assertThat(sse.status).isEqualTo(200);
      assertThat(sse.headers.get("content-type")).startsWith("text/event-stream");
      assertThat(sse.headers.get("cache-control")).isEqualTo("no-cache");
      for (int i = 0; i < 3; i++) {
        seen.add(sse.next());
      }
    } // the client goes away after three events
    for (SseClient.Event e : seen) {
      assertThat(e.id()).isEqualTo(String.valueOf(e.data().getLong("seq")));
      assertThat(e.event()).isEqualTo(e.data().getString("type"));
      assertThat(e.data().getString("session_id")).isEqualTo(id);
    }

    // EventSource reconnects to the same URL and adds Last-Event-ID, which wins over ?after=
    try (SseClient sse = SseClient.open(rt.port(), stream(id) + "?after=0", "Last-Event-ID", seen.get(2).id())) {
      List<SseClient.Event> replayed = sse.until("turn");
      seen.addAll(replayed);
      assertThat(seqs(seen).get(seen.size() - 1)).isEqualTo(stored);
      claude.enqueue(Reply.text("Two, live.").delayPerEvent(Duration.ofMillis(5)));
      HttpResponse<Buffer> accepted = rt.postJson("/api/agentx/sessions/" + id + "/messages",
          new JsonObject().put("content", "two").put("wait", false)).await();
      assertThat(accepted.statusCode()).isEqualTo(202);
      List<SseClient.Event> live = sse.until("turn");
      seen.addAll(live);
      assertThat(live.get(live.size() - 1).data().getString("turn_id")).isEqualTo(accepted.bodyAsJsonObject().getString("turn_id"));
    }
    List<Long> expected = new ArrayList<>();
    for (long s = 1; s <= seqs(seen).get(seen.size() - 1); s++) {
      expected.add(s);
    }
    assertThat(seqs(seen)).as("every seq once, in order").isEqualTo(expected);
  }

  @Test
  @DisplayName("without after or Last-Event-ID the stream is the live tail only; an idle stream gets ': ping' comments")
  void liveOnlyAndHeartbeat(Vertx vertx) throws IOException {
    start(vertx, Map.of(AgentXConfig.SSE_HEARTBEAT, 1));
    String id = newSession();
    assertThat(rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "old")).await().statusCode())
        .isEqualTo(200);
    long stored = rt.http.get("/api/agentx/sessions/" + id + "/events?after=0").send().await().bodyAsJsonObject().getLong("next_after");
    try (SseClient sse = SseClient.open(rt.port(), stream(id))) {
      Poll.until(Duration.ofSeconds(5), "SSE client counted", () -> Metrics.of(rt.vertx).registry()
          .find("agentx.stream.clients").tag("transport", "sse").gauge().value() == 1.0);
      rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "new").put("wait", false)).await();
      List<SseClient.Event> live = sse.until("turn");
      assertThat(live.get(0).data().getLong("seq")).isEqualTo(stored + 1);
      Poll.sleep(Duration.ofMillis(2_500));
      rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "again").put("wait", false)).await();
      sse.until("turn");
      assertThat(sse.comments).contains("ping");
    }
    Poll.until(Duration.ofSeconds(5), "SSE client no longer counted", () -> Metrics.of(rt.vertx).registry()
        .find("agentx.stream.clients").tag("transport", "sse").gauge().value() == 0.0);
  }

  @Test
  @DisplayName("an unknown session is a 404 JSON answer, a bad Last-Event-ID a 400, before any stream opens")
  void refusals(Vertx vertx) throws IOException {
    start(vertx, Map.of());
    try (SseClient sse = SseClient.open(rt.port(), stream("00000000-0000-4000-8000-000000000000"))) {
      assertThat(sse.status).isEqualTo(404);
      assertThat(new JsonObject(sse.body()).getString("code")).isEqualTo("SESSION_NOT_FOUND");
    }
    try (SseClient sse = SseClient.open(rt.port(), stream(newSession()), "Last-Event-ID", "abc")) {
      assertThat(sse.status).isEqualTo(400);
      assertThat(new JsonObject(sse.body()).getString("code")).isEqualTo("VALIDATION_FAILED");
    }
  }

  @Test
  @DisplayName("the events of one commit leave in a few HTTP chunks, not one each, and arrive whole, once and in order")
  void oneCommitFewChunks(Vertx vertx) throws IOException {
    start(vertx, Map.of());
    String id = newSession();
    StoreClient store = new StoreClient(rt.vertx);
    int total = 300;
    try (SseClient sse = SseClient.open(rt.port(), stream(id) + "?after=0")) {
      Poll.until(Duration.ofSeconds(5), "SSE client counted", () -> Metrics.of(rt.vertx).registry()
          .find("agentx.stream.clients").tag("transport", "sse").gauge().value() == 1.0);
      List<JsonObject> drafts = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        drafts.add(Events.draft(Events.STREAM, id, null, "token " + i + " "));
      }
      store.appendEvents(new AppendEvents(drafts)).await(); // one transaction, one publication
      int before = sse.chunks;
      List<SseClient.Event> events = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        events.add(sse.next());
      }
      List<Long> expected = new ArrayList<>();
      for (long s = 1; s <= total; s++) {
        expected.add(s);
      }
      assertThat(seqs(events)).isEqualTo(expected);
      assertThat(events.get(total - 1).data().getString("data")).isEqualTo("token " + (total - 1) + " ");
      assertThat(events).allSatisfy(e -> assertThat(e.id()).isEqualTo(String.valueOf(e.data().getLong("seq"))));
      // about 200 bytes an event: 60 KB in chunks of 32 KB (a chunk an event before)
      assertThat(sse.chunks - before).as("HTTP chunks for %d events", total).isLessThanOrEqualTo(4);
    }
  }

  @Test
  @DisplayName("a client that stops reading is disconnected once it falls AGENTX_SSE_MAX_QUEUE events behind, not buffered for")
  void slowClientIsClosed(Vertx vertx) throws IOException {
    start(vertx, Map.of(AgentXConfig.SSE_MAX_QUEUE, 8));
    String id = newSession();
    StoreClient store = new StoreClient(rt.vertx);
    String big = "x".repeat(64 * 1024);
    int total = 200;
    try (SseClient sse = SseClient.open(rt.port(), stream(id), 4096)) {
      Poll.until(Duration.ofSeconds(5), "SSE client counted", () -> Metrics.of(rt.vertx).registry()
          .find("agentx.stream.clients").tag("transport", "sse").gauge().value() == 1.0);
      for (int batch = 0; batch < total / 20; batch++) {
        List<JsonObject> drafts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          drafts.add(Events.draft(Events.STREAM, id, null, big));
        }
        store.appendEvents(new AppendEvents(drafts)).await();
      }
      Poll.until(Duration.ofSeconds(10), "the slow SSE client disconnected", () -> Metrics.of(rt.vertx).registry()
          .find("agentx.stream.clients").tag("transport", "sse").gauge().value() == 0.0);
      // what it still reads is what was in flight; the rest never got buffered for it
      int read = 0;
      try {
        while (sse.next() != null) {
          read++;
        }
      } catch (IOException e) {
        // a reset connection ends the stream too
      }
      assertThat(read).isLessThan(total);
    }
  }
}
