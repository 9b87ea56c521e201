package agentx.engine;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.AgentX;
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
import io.vertx.ext.web.client.WebClient;
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

  /** The runtime on {@code db}, its Claude the fake. */
  private TestRuntime runtime(Vertx vertx, TestDatabase db) {
    claude = FakeAnthropic.start(vertx).await();
    return TestRuntime.start(vertx, TestRuntime.withClaude(dir, claude, Map.of(AgentXConfig.DATABASE_URL, db.url()))).await();
  }

  @OnBothBackends
  @DisplayName("ends the turn with STORE_UNAVAILABLE, publishes nothing unstored, and the next turn's events all arrive with fresh seqs")
  void failingAppendEndsTheTurn(Backend backend, Vertx vertx) throws Exception {
    TestDatabase db = TestDatabases.create(backend, dir);
    TestRuntime rt = runtime(vertx, db);
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

    HttpResponse<Buffer> second = answersAgain(rt, id);
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

  @OnBothBackends
  @DisplayName("an answer the store refuses at the turn's close fails the turn with STORE_UNAVAILABLE: not stored, the turn failed, the session usable after")
  void refusedAnswerFailsTheTurn(Backend backend, Vertx vertx) throws Exception {
    TestDatabase db = TestDatabases.create(backend, dir);
    TestRuntime rt = runtime(vertx, db);
    String id = rt.createSession(new JsonObject()).await().getString("session_id");

    refuseAnswers(db, true);
    claude.enqueue(Reply.text("Lost answer."));
    HttpResponse<Buffer> failed = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "Hi")).await();
    assertThat(failed.statusCode()).as(failed.bodyAsString()).isEqualTo(503);
    assertThat(failed.bodyAsJsonObject().getString("code")).as("as for events the store refuses").isEqualTo("STORE_UNAVAILABLE");
    assertThat(failed.bodyAsJsonObject().getString("error")).contains("could not save Claude's answer");
    refuseAnswers(db, false);
    assertThat(column(db, "SELECT role FROM messages WHERE session_id = ?", id)).as("the answer was not stored").containsExactly("user");
    assertThat(column(db, "SELECT status FROM turns WHERE session_id = ?", id)).containsExactly("failed");

    answersAgain(rt, id);
    assertThat(column(db, "SELECT role FROM messages WHERE session_id = ? ORDER BY position", id)).containsExactly("user", "user", "assistant");
  }

  @OnBothBackends
  @DisplayName("an engine stopping while the store refuses the turn's last figures still stops, leaves the turn running for the next one, which resumes it")
  void refusedHandOverStillHandsOver(Backend backend, Vertx vertx) throws Exception {
    TestDatabase db = TestDatabases.create(backend, dir);
    claude = FakeAnthropic.start(vertx).await();
    AgentXConfig config = TestRuntime.withClaude(dir, claude, Map.of(AgentXConfig.DATABASE_URL, db.url()));
    AgentX first = AgentX.start(config).await();
    WebClient http = WebClient.create(vertx);
    String id = http.post(first.port(), "127.0.0.1", "/api/agentx/sessions").sendJsonObject(new JsonObject()).await()
        .bodyAsJsonObject().getString("session_id");
    // message_start, ping, the block's start and three tokens, then nothing: the call is cut off by the stop
    claude.enqueue(Reply.text("one two three four five").stallAfterEvents(6));
    WsClient ws = WsClient.connect(vertx, first.port(), "/api/agentx/sessions/" + id + "/stream").await();
    ws.send(new JsonObject().put("type", "message").put("content", "go"));
    ws.awaitStreamed(3).await();
    refuseRows(db, "turns", null, "UPDATE", true);
    first.close().await();
    refuseRows(db, "turns", null, "UPDATE", false);
    // the figures the call's start stored with its first events stay; the stop's were refused, and the turn with them
    // was neither failed nor closed: it waits for an engine
    List<Object> left = db.query("SELECT status, input_tokens, llm_calls FROM turns WHERE session_id = ?", id).get(0);
    assertThat(left.stream().map(v -> v instanceof Number n ? (Object) n.longValue() : v)).containsExactly("running", 25L, 1L);

    claude.enqueue(Reply.text("Resumed."));
    AgentX second = AgentX.start(config).await();
    try {
      WsClient again = WsClient.connect(vertx, second.port(), "/api/agentx/sessions/" + id + "/stream?after=0").await();
      JsonObject turn = again.await(WsClient.turnEvent()).await();
      assertThat(turn.getJsonObject("data").getString("status")).isEqualTo("completed");
      assertThat(turn.getJsonObject("data").getLong("llm_calls")).as(turn.encode()).isEqualTo(2L);
      List<Long> stored = seqs(db, id);
      assertThat(stored).as("the log is contiguous").isEqualTo(java.util.stream.LongStream.rangeClosed(1, stored.size()).boxed().toList());
    } finally {
      second.close().await();
    }
  }

  /** The session answers its next message (200), after the failure a test provoked. */
  private HttpResponse<Buffer> answersAgain(TestRuntime rt, String id) {
    claude.enqueue(Reply.text("Second answer."));
    HttpResponse<Buffer> second = rt.postJson("/api/agentx/sessions/" + id + "/messages", new JsonObject().put("content", "Again")).await();
    assertThat(second.statusCode()).as(second.bodyAsString()).isEqualTo(200);
    return second;
  }

  /** The first column of a query's rows about one session. */
  private static List<Object> column(TestDatabase db, String sql, String sessionId) {
    return db.query(sql, sessionId).stream().map(r -> r.get(0)).toList();
  }

  private static List<Long> seqs(TestDatabase db, String sessionId) {
    return db.eventSeqs(sessionId);
  }

  /** A trigger that makes the database refuse every new event row, as a full disk or a lost connection would. */
  private static void refuseEvents(TestDatabase db, boolean refuse) throws Exception {
    refuseRows(db, "events", null, "INSERT", refuse);
  }

  /** A trigger that makes the database refuse assistant messages (the answer stored with a turn's close). */
  private static void refuseAnswers(TestDatabase db, boolean refuse) throws Exception {
    refuseRows(db, "messages", "NEW.role = 'assistant'", "INSERT", refuse);
  }

  /**
   * Creates (or drops) a trigger that fails every {@code operation} ({@code INSERT}, {@code UPDATE}) of a row of
   * {@code table} matching {@code when} (null: every row).
   */
  private static void refuseRows(TestDatabase db, String table, String when, String operation, boolean refuse) throws Exception {
    String trigger = "refuse_" + table;
    try (Connection c = db.connect(); Statement st = c.createStatement()) {
      if (db.backend() == Backend.SQLITE) {
        st.execute(refuse
            ? "CREATE TRIGGER " + trigger + " BEFORE " + operation + " ON " + table + (when == null ? "" : " WHEN " + when)
                + " BEGIN SELECT RAISE(ABORT, 'injected: disk full'); END"
            : "DROP TRIGGER " + trigger);
      } else if (refuse) {
        st.execute("CREATE OR REPLACE FUNCTION " + trigger + "() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected: disk full'; END $$"
            + " LANGUAGE plpgsql");
        st.execute("CREATE TRIGGER " + trigger + " BEFORE " + operation + " ON " + table + " FOR EACH ROW" + (when == null ? "" : " WHEN (" + when + ")")
            + " EXECUTE FUNCTION " + trigger + "()");
      } else {
        st.execute("DROP TRIGGER " + trigger + " ON " + table);
      }
    }
  }
}
