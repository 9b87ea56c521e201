package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.DatabaseUrl;
import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.testing.OnBothBackends;
import agentx.testing.TestDatabases;
import agentx.testing.TestDatabases.Backend;
import agentx.testing.TestDatabases.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the store promises, checked with the same assertions on SQLite and on PostgreSQL (parity):
 * the repositories on a migrated database, real concurrency through the write pool.
 */
@ExtendWith(VertxExtension.class)
class StoreContractTest {
  @TempDir Path dir;
  private final List<Database> opened = new ArrayList<>();

  @AfterEach
  void closeDatabases() {
    opened.forEach(db -> db.close().await());
  }

  private Database open(Vertx vertx, TestDatabase testDb) {
    Database db = Database.open(vertx, DatabaseUrl.parse(testDb.url()));
    opened.add(db);
    vertx.executeBlocking(db::migrateBlocking).await();
    return db;
  }

  private static ErrorCode failureCode(Future<?> future) {
    Throwable cause = future.<Throwable>transform(ar -> Future.succeededFuture(ar.cause())).await();
    assertThat(cause).as("expected a failure").isInstanceOf(AgentXException.class);
    return ((AgentXException) cause).code();
  }

  private static JsonObject message(String sessionId, String role, String content) {
    return new JsonObject().put("message_id", UUID.randomUUID().toString()).put("session_id", sessionId)
        .put("turn_id", UUID.randomUUID().toString()).put("role", role).put("content", content)
        .put("blocks", new JsonArray().add(new JsonObject().put("type", "text").put("text", content)));
  }

  private static List<Long> oneTo(long n) {
    return LongStream.rangeClosed(1, n).boxed().toList();
  }

  @OnBothBackends
  @DisplayName("sessions: create, get, list by page and by user, update, state, delete, and SESSION_NOT_FOUND for unknown ids")
  void sessionsCrud(Backend backend, Vertx vertx) {
    SessionRepository sessions = new SessionRepository(open(vertx, TestDatabases.create(backend, dir)));
    JsonObject a = sessions.create("u1", "first", new JsonObject().put("model", "m")).await();
    sessions.create("u1", "second", new JsonObject()).await();
    sessions.create("u2", null, new JsonObject()).await();
    String id = a.getString("session_id");
    assertThat(a.getString("state")).isEqualTo("idle");
    assertThat(a.getLong("message_count")).isZero();
    assertThat(a.getJsonObject("usage").getDouble("cost_usd")).isZero();
    assertThat(sessions.get(id).await().getJsonObject("config").getString("model")).isEqualTo("m");

    JsonObject page = sessions.list(null, 2, 0).await();
    assertThat(page.getLong("total")).isEqualTo(3);
    assertThat(page.getJsonArray("sessions")).hasSize(2);
    assertThat(sessions.list(null, 2, 2).await().getJsonArray("sessions")).hasSize(1);
    JsonObject mine = sessions.list("u1", 10, 0).await();
    assertThat(mine.getLong("total")).isEqualTo(2);
    assertThat(mine.getJsonArray("sessions").stream().map(s -> ((JsonObject) s).getString("user_id"))).containsOnly("u1");

    JsonObject updated = sessions.update(id, new JsonObject().put("title", "renamed\u0000!")).await();
    assertThat(updated.getString("title")).as("NUL is stored as U+FFFD").isEqualTo("renamed\uFFFD!");
    assertThat(updated.getJsonObject("config").getString("model")).as("config untouched").isEqualTo("m");
    sessions.setState(id, "processing").await();
    assertThat(sessions.get(id).await().getString("state")).isEqualTo("processing");

    sessions.delete(id).await();
    assertThat(failureCode(sessions.get(id))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    assertThat(failureCode(sessions.delete(id))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    assertThat(failureCode(sessions.setState("nope", "idle"))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    assertThat(failureCode(sessions.update("nope", new JsonObject()))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    assertThat(sessions.list(null, 10, 0).await().getLong("total")).isEqualTo(2);
  }

  @OnBothBackends
  @DisplayName("messages: 20 concurrent appends get positions 1..20, pages come in order, history joins the turn status")
  void messages(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    String id = sessions.create(null, null, new JsonObject()).await().getString("session_id");
    List<Future<JsonObject>> appends = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      appends.add(sessions.appendMessage(message(id, i % 2 == 0 ? "user" : "assistant", "m" + i)));
    }
    Future.all(appends).await();
    assertThat(appends.stream().map(f -> f.result().getLong("position")).sorted().toList()).isEqualTo(oneTo(20));
    assertThat(sessions.get(id).await().getLong("message_count")).isEqualTo(20);

    JsonObject page = sessions.listMessages(id, 5, 15).await();
    assertThat(page.getLong("total")).isEqualTo(20);
    assertThat(page.getJsonArray("messages")).hasSize(5);
    List<String> all = sessions.listMessages(id, 100, 0).await().getJsonArray("messages").stream()
        .map(m -> ((JsonObject) m).getString("message_id")).toList();
    assertThat(all).hasSize(20).doesNotHaveDuplicates();

    JsonObject withNul = message(id, "user", "a\u0000b");
    sessions.appendMessage(withNul).await();
    JsonObject last = sessions.listMessages(id, 1, 20).await().getJsonArray("messages").getJsonObject(0);
    assertThat(last.getString("content")).isEqualTo("a\uFFFDb");
    assertThat(last.getJsonArray("blocks").getJsonObject(0).getString("text")).as("JSON text keeps its escaped NUL").isEqualTo("a\u0000b");

    String turnId = withNul.getString("turn_id");
    sessions.beginTurn(new JsonObject().put("turn_id", turnId).put("session_id", id)).await();
    JsonArray history = sessions.history(id).await();
    assertThat(history).hasSize(21);
    assertThat(history.getJsonObject(20).getString("turn_status")).isEqualTo("running");
    assertThat(history.getJsonObject(20).getJsonArray("blocks")).hasSize(1);
    assertThat(failureCode(sessions.appendMessage(message("nope", "user", "x")))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
  }

  @OnBothBackends
  @DisplayName("events: 50 concurrent unnumbered appends on one session get seq 1..50, listed in order and by page; a reused seq is refused")
  void events(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    EventRepository events = new EventRepository(db);
    String id = sessions.create(null, null, new JsonObject()).await().getString("session_id");
    String turnId = UUID.randomUUID().toString();
    List<Future<JsonArray>> appends = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      JsonObject envelope = Events.envelope(Events.STREAM, id, turnId, 0, "t" + i);
      envelope.putNull("seq");
      appends.add(events.append(new JsonArray().add(envelope)));
    }
    Future.all(appends).await();
    assertThat(appends.stream().map(f -> f.result().getJsonObject(0).getLong("seq")).sorted().toList()).isEqualTo(oneTo(50));
    assertThat(events.lastSeq(id).await()).isEqualTo(50);

    JsonObject listed = events.list(id, 0, 1000).await();
    assertThat(listed.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq")).toList()).isEqualTo(oneTo(50));
    assertThat(listed.getLong("next_after")).isEqualTo(50);
    JsonObject page = events.list(id, 10, 5).await();
    assertThat(page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq")).toList()).containsExactly(11L, 12L, 13L, 14L, 15L);
    assertThat(page.getLong("next_after")).isEqualTo(15);
    assertThat(events.list(id, 50, 10).await().getJsonArray("events")).isEmpty();

    // the engine numbers its own events; the key (session_id, seq) keeps a number from being used twice
    events.append(new JsonArray().add(Events.envelope(Events.STREAM, id, turnId, 51, "engine"))).await();
    Future<JsonArray> reused = events.append(new JsonArray().add(Events.envelope(Events.STREAM, id, turnId, 51, "again")));
    assertThat(reused.<Boolean>transform(ar -> Future.succeededFuture(ar.failed())).await()).isTrue();
    assertThat(events.list(id, 50, 10).await().getJsonArray("events").getJsonObject(0).getString("data")).isEqualTo("engine");
  }

  @OnBothBackends
  @DisplayName("workflows: 20 concurrent saves get versions 1..20; the highest is current; every version can be read back")
  void workflows(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    WorkflowRepository workflows = new WorkflowRepository(db);
    String id = sessions.create(null, null, new JsonObject()).await().getString("session_id");
    assertThat(workflows.current(id).await()).isNull();
    List<Future<JsonObject>> saves = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      saves.add(workflows.save(id, "{\"1\":{\"class_type\":\"N" + i + "\",\"inputs\":{\"big\":12345678901234567890}}}", "edit " + i));
    }
    Future.all(saves).await();
    assertThat(saves.stream().map(f -> f.result().getLong("version")).sorted().toList()).isEqualTo(oneTo(20));
    JsonObject current = workflows.current(id).await();
    assertThat(current.getLong("version")).isEqualTo(20);
    JsonObject seventh = saves.stream().map(Future::result).filter(w -> w.getLong("version") == 7).findFirst().orElseThrow();
    JsonObject read = workflows.version(id, 7).await();
    assertThat(read.getString("description")).isEqualTo(seventh.getString("description"));
    assertThat(read.getJsonObject("workflow")).isEqualTo(seventh.getJsonObject("workflow"));
    assertThat(workflows.versions(id).await().stream().map(v -> ((JsonObject) v).getLong("version")).toList())
        .isEqualTo(LongStream.iterate(20, v -> v >= 1, v -> v - 1).boxed().toList());
    assertThat(workflows.version(id, 21).await()).isNull();
    assertThat(failureCode(workflows.save("nope", "{}", "x"))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
  }

  @OnBothBackends
  @DisplayName("workflows: a save based on a replaced version is refused with WORKFLOW_CONFLICT and stores nothing; of concurrent saves on one base exactly one wins")
  void workflowConflicts(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    WorkflowRepository workflows = new WorkflowRepository(db);
    String id = new SessionRepository(db).create(null, null, new JsonObject()).await().getString("session_id");
    assertThat(workflows.save(id, "{}", "first", 0L).await().getLong("version")).isEqualTo(1);
    assertThat(failureCode(workflows.save(id, "{}", "stale", 0L))).isEqualTo(ErrorCode.WORKFLOW_CONFLICT);
    assertThat(workflows.current(id).await().getString("description")).isEqualTo("first");

    List<Future<JsonObject>> racing = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      racing.add(workflows.save(id, "{}", "racer " + i, 1L));
    }
    Future.join(racing).transform(ar -> Future.succeededFuture()).await();
    assertThat(racing.stream().filter(Future::succeeded).count()).isEqualTo(1);
    assertThat(racing.stream().filter(Future::failed).map(f -> ErrorCode.of(f.cause())).distinct().toList())
        .containsExactly(ErrorCode.WORKFLOW_CONFLICT);
    assertThat(workflows.current(id).await().getLong("version")).isEqualTo(2);
  }

  @OnBothBackends
  @DisplayName("delete removes the session's rows from every table and leaves other sessions alone")
  void deleteEverywhere(Backend backend, Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    Database db = open(vertx, testDb);
    SessionRepository sessions = new SessionRepository(db);
    EventRepository events = new EventRepository(db);
    WorkflowRepository workflows = new WorkflowRepository(db);
    List<String> ids = new ArrayList<>();
    for (int s = 0; s < 2; s++) {
      String id = sessions.create(null, null, new JsonObject()).await().getString("session_id");
      ids.add(id);
      JsonObject m = message(id, "user", "hi");
      sessions.appendMessage(m).await();
      sessions.beginTurn(new JsonObject().put("turn_id", m.getString("turn_id")).put("session_id", id)).await();
      events.append(new JsonArray().add(Events.envelope(Events.STATE, id, m.getString("turn_id"), 1, Events.state("thinking")))).await();
      workflows.save(id, "{}", "d").await();
    }
    String[] tables = {"sessions", "messages", "turns", "events", "workflows"};
    sessions.delete(ids.get(0)).await();
    for (String table : tables) {
      assertThat(testDb.queryLong("SELECT COUNT(*) FROM " + table + " WHERE session_id = ?", ids.get(0))).as(table).isZero();
      assertThat(testDb.queryLong("SELECT COUNT(*) FROM " + table + " WHERE session_id = ?", ids.get(1))).as(table).isEqualTo(1);
    }
  }

  @OnBothBackends
  @DisplayName("finishing a turn closes it and adds its usage to the session; a left-running turn is closed once, with events after the last seq")
  void runningTurns(Backend backend, Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    Database db = open(vertx, testDb);
    SessionRepository sessions = new SessionRepository(db);
    EventRepository events = new EventRepository(db);
    String id = sessions.create(null, null, new JsonObject()).await().getString("session_id");

    String done = UUID.randomUUID().toString();
    sessions.beginTurn(new JsonObject().put("turn_id", done).put("session_id", id).put("engine_node", "n1")).await();
    sessions.finishTurn(new JsonObject().put("turn_id", done).put("session_id", id).put("status", "completed")
        .put("input_tokens", 10L).put("output_tokens", 5L).put("cost_usd", 0.25).put("duration_ms", 12L)).await();
    JsonObject usage = sessions.get(id).await().getJsonObject("usage");
    assertThat(usage.getLong("input_tokens")).isEqualTo(10);
    assertThat(usage.getLong("output_tokens")).isEqualTo(5);
    assertThat(usage.getDouble("cost_usd")).isEqualTo(0.25);
    assertThat(usage.getLong("turns")).isEqualTo(1);
    assertThat(sessions.runningTurns().await()).isEmpty();

    String left = UUID.randomUUID().toString();
    sessions.beginTurn(new JsonObject().put("turn_id", left).put("session_id", id).put("engine_node", "n2")
        .put("user_message_id", "um")).await();
    events.append(new JsonArray()
        .add(Events.envelope(Events.STATE, id, left, 1, Events.state("thinking")))
        .add(Events.envelope(Events.STREAM, id, left, 2, "par"))).await();
    JsonArray running = sessions.runningTurns().await();
    assertThat(running).hasSize(1);
    assertThat(running.getJsonObject(0).getString("engine_node")).isEqualTo("n2");
    assertThat(sessions.get(id).await().getString("state")).isEqualTo("processing");

    // two store nodes noticing the same departed engine at once: exactly one closes the turn
    JsonObject turn = running.getJsonObject(0);
    Future<JsonArray> first = sessions.failRunningTurn(turn, ErrorCode.SERVICE_UNAVAILABLE, "engine left");
    Future<JsonArray> second = sessions.failRunningTurn(turn, ErrorCode.SERVICE_UNAVAILABLE, "engine left");
    Future.all(first, second).await();
    JsonArray closing = first.result().isEmpty() ? second.result() : first.result();
    assertThat(first.result().size() + second.result().size()).isEqualTo(2);
    assertThat(closing.stream().map(e -> ((JsonObject) e).getLong("seq")).toList()).containsExactly(3L, 4L);
    assertThat(closing.getJsonObject(0).getJsonObject("data").getString("state")).isEqualTo("error");
    assertThat(closing.getJsonObject(1).getString("type")).isEqualTo("turn");
    assertThat(closing.getJsonObject(1).getJsonObject("data").getString("status")).isEqualTo("failed");
    assertThat(closing.getJsonObject(1).getJsonObject("data").getString("error_code")).isEqualTo("SERVICE_UNAVAILABLE");

    assertThat(sessions.runningTurns().await()).isEmpty();
    assertThat(sessions.get(id).await().getString("state")).isEqualTo("idle");
    assertThat(events.list(id, 0, 100).await().getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("seq")).toList())
        .isEqualTo(oneTo(4));
    assertThat(testDb.query("SELECT status, error_code FROM turns WHERE turn_id = ?", left))
        .containsExactly(List.of("failed", "SERVICE_UNAVAILABLE"));
    assertThat(sessions.failRunningTurn(turn, ErrorCode.INTERNAL, "again").await()).isEmpty();
  }

  @OnBothBackends
  @DisplayName("migrations: the schema on an empty database, nothing on a migrated one, and the data is still there")
  void migrations(Backend backend, Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    Database first = Database.open(vertx, DatabaseUrl.parse(testDb.url()));
    opened.add(first);
    assertThat(vertx.executeBlocking(first::migrateBlocking).await()).isEqualTo(1);
    String id = new SessionRepository(first).create(null, "kept", new JsonObject()).await().getString("session_id");
    Database again = Database.open(vertx, DatabaseUrl.parse(testDb.url()));
    opened.add(again);
    assertThat(vertx.executeBlocking(again::migrateBlocking).await()).isZero();
    assertThat(new SessionRepository(again).get(id).await().getString("title")).isEqualTo("kept");
    assertThat(testDb.tables()).contains("sessions", "messages", "turns", "events", "workflows");
  }

  @Test
  @DisplayName("two store nodes on one PostgreSQL database number events and workflow versions without gaps or duplicates")
  void twoStoresShareOnePostgres(Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(Backend.POSTGRESQL, dir);
    Database a = open(vertx, testDb);
    Database b = open(vertx, testDb);
    String id = new SessionRepository(a).create(null, null, new JsonObject()).await().getString("session_id");
    List<Future<?>> writes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Database db = i % 2 == 0 ? a : b;
      JsonObject envelope = Events.envelope(Events.STREAM, id, "t", 0, "x" + i);
      envelope.putNull("seq");
      writes.add(new EventRepository(db).append(new JsonArray().add(envelope)));
      writes.add(new WorkflowRepository(db).save(id, "{}", "v" + i));
      writes.add(new SessionRepository(db).appendMessage(message(id, "user", "m" + i)));
    }
    Future.all(writes).await();
    assertThat(testDb.query("SELECT seq FROM events WHERE session_id = ? ORDER BY seq", id).stream().map(r -> ((Number) r.get(0)).longValue()))
        .isEqualTo(oneTo(40));
    assertThat(testDb.query("SELECT version FROM workflows WHERE session_id = ? ORDER BY version", id).stream()
        .map(r -> ((Number) r.get(0)).longValue())).isEqualTo(oneTo(40));
    assertThat(testDb.query("SELECT position FROM messages WHERE session_id = ? ORDER BY position", id).stream()
        .map(r -> ((Number) r.get(0)).longValue())).isEqualTo(oneTo(40));
  }
}
