package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.protocol.Addresses;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a turn emits in one step is stored and published as one batch: the store publishes each
 * committed batch of a session as one message on the session's address (envelopes joined by
 * newlines), so a subscriber sees which events travelled together. With the answer streamed slowly
 * (each token alone), the first token must not wait for a store round trip of the "responding" state
 * emitted just before it; and the turn's last answer, stored with the turn's end in one transaction,
 * is published with the "done" state and the {@code turn} summary.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A turn's events")
class EventBatchTest {
  @TempDir Path dir;
  private FakeAnthropic claude;

  @AfterEach
  void stopFake() {
    if (claude != null) {
      claude.close();
    }
  }

  @Test
  @DisplayName("emitted in one step go to the store together: the 'responding' state with the first token, the answer with 'done' and the turn")
  void emittedTogetherTravelTogether(Vertx vertx) {
    claude = FakeAnthropic.start(vertx).await();
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of())).await();
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    List<List<JsonObject>> publications = new CopyOnWriteArrayList<>();
    vertx.eventBus().<Object>consumer(Addresses.sessionEvents(id), m -> {
      List<JsonObject> events = new ArrayList<>();
      for (String line : m.body().toString().split("\n")) {
        events.add(new JsonObject(line));
      }
      publications.add(events);
    }).completion().await();

    claude.enqueue(Reply.text("one two three four").delayPerEvent(Duration.ofMillis(40)));
    assertThat(rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "Count")).await().statusCode())
        .isEqualTo(200);

    List<String> kinds = publications.stream().map(EventBatchTest::kinds).toList();
    assertThat(kinds).as("publications of the turn, in order").contains("state:responding stream", "message state:done turn");
    assertThat(kinds).doesNotContain("state:responding", "state:done", "message");
    List<Long> seqs = publications.stream().flatMap(List::stream).map(e -> e.getLong("seq")).toList();
    assertThat(seqs).as("every event once, numbered in order").isSorted().doesNotHaveDuplicates();
    assertThat(seqs.get(seqs.size() - 1) - seqs.get(0) + 1).isEqualTo(seqs.size());
  }

  /** A publication's events as "type" or "state:name", space-separated. */
  private static String kinds(List<JsonObject> events) {
    return String.join(" ", events.stream().map(e -> "state".equals(e.getString("type"))
        ? "state:" + e.getJsonObject("data").getString("state") : e.getString("type")).toList());
  }
}
