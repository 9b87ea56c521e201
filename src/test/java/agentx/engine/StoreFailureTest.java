package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import agentx.testing.OnBothBackends;
import agentx.testing.TestDatabases;
import agentx.testing.TestDatabases.Backend;
import agentx.testing.TestDatabases.TestDatabase;
import agentx.testing.TestRuntime;
import agentx.testing.WsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store numbers events alone and publishes only what it committed. A database that starts
 * refusing event rows in the middle of a turn (a real failure, made by a trigger) ends that turn with
 * STORE_UNAVAILABLE; no client ever sees an unstored event, and the next turn's events reach a
 * connected socket with numbers nobody saw before.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A store failing mid-turn")
class StoreFailureTest {
  @TempDir Path dir;
  private FakeAnthropic claude;

  @AfterEach
  void stopFake() {
    if (claude != null) {
      claude.close();
    }
  }

  @OnBothBackends
  @DisplayName("ends the turn with STORE_UNAVAILABLE, publishes nothing unstored, and the next turn's events all arrive with fresh seqs")
  void failingAppendEndsTheTurn(Backend backend, Vertx vertx) throws Exception {
    TestDatabase db = TestDatabases.create(backend, dir);
    claude = FakeAnthropic.start(vertx).await();
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of(AgentXConfig.DATABASE_URL, db.url()))).await();
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    WsClient ws = WsClient.connect(vertx, rt.port(), "/api/agentx/sessions/" + id + "/stream").await();

    claude.enqueue(Reply.text("one two three four five six seven eight nine ten").delayPerEvent(Duration.ofMillis(60)));
    Future<HttpResponse<Buffer>> first = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "Hi"));
    ws.await(f -> "stream".equals(f.getString("type"))).await();
    refuseEvents(db, true);
    HttpResponse<Buffer> failed = first.await();
    assertThat(failed.statusCode()).as(failed.bodyAsString()).isEqualTo(503);
    assertThat(failed.bodyAsJsonObject().getString("code")).isEqualTo("STORE_UNAVAILABLE");

    refuseEvents(db, false);
    List<Long> storedAfterFirst = seqs(db, id);
    assertThat(ws.frames).as("every event a client saw was stored")
        .allSatisfy(f -> assertThat(storedAfterFirst).contains(f.getLong("seq")));
    int seenInFirst = ws.frames.size();

    claude.enqueue(Reply.text("Second answer."));
    HttpResponse<Buffer> second = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "Again")).await();
    assertThat(second.statusCode()).as(second.bodyAsString()).isEqualTo(200);
    JsonObject turnEvent = ws.await(f -> "turn".equals(f.getString("type")) && second.bodyAsJsonObject().getString("turn_id")
        .equals(f.getString("turn_id"))).await();
    assertThat(turnEvent.getJsonObject("data").getString("status")).isEqualTo("completed");

    List<Long> seen = ws.frames.stream().map(f -> f.getLong("seq")).toList();
    assertThat(seen).as("no seq is ever seen twice").doesNotHaveDuplicates();
    List<Long> secondTurn = seen.subList(seenInFirst, seen.size());
    assertThat(secondTurn).as("the second turn's events all reached the socket").hasSizeGreaterThanOrEqualTo(7);
    List<Long> stored = seqs(db, id);
    assertThat(stored).as("the log is contiguous").isEqualTo(java.util.stream.LongStream.rangeClosed(1, stored.size()).boxed().toList());
    assertThat(stored).containsAll(seen);
  }

  private static List<Long> seqs(TestDatabase db, String sessionId) {
    return db.query("SELECT seq FROM events WHERE session_id = ? ORDER BY seq", sessionId).stream()
        .map(r -> ((Number) r.get(0)).longValue()).toList();
  }

  /** A trigger that makes the database refuse every new event row, as a full disk or a lost connection would. */
  private static void refuseEvents(TestDatabase db, boolean refuse) throws Exception {
    try (Connection c = db.connect(); Statement st = c.createStatement()) {
      if (db.backend() == Backend.SQLITE) {
        st.execute(refuse
            ? "CREATE TRIGGER refuse_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'injected: disk full'); END"
            : "DROP TRIGGER refuse_events");
      } else if (refuse) {
        st.execute("CREATE OR REPLACE FUNCTION refuse_events() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected: disk full'; END $$"
            + " LANGUAGE plpgsql");
        st.execute("CREATE TRIGGER refuse_events BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION refuse_events()");
      } else {
        st.execute("DROP TRIGGER refuse_events ON events");
      }
    }
  }
}
