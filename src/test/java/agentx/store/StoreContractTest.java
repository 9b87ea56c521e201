package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import agentx.config.DatabaseUrl;
import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.protocol.AppendMessage;
import agentx.protocol.BeginTurn;
import agentx.protocol.CreateSession;
import agentx.protocol.EventPage;
import agentx.protocol.EventQuery;
import agentx.protocol.FinishTurn;
import agentx.protocol.HistoryEntry;
import agentx.protocol.Page;
import agentx.protocol.PageQuery;
import agentx.protocol.ResumableTurn;
import agentx.protocol.Session;
import agentx.protocol.SaveWorkflow;
import agentx.protocol.StoredMessage;
import agentx.protocol.ToolCallRecord;
import agentx.protocol.ToolResult;
import agentx.protocol.TurnProgress;
import agentx.protocol.TurnQuery;
import agentx.protocol.TurnRecord;
import agentx.protocol.TurnSummary;
import agentx.protocol.TurnUsageSoFar;
import agentx.protocol.UpdateSession;
import agentx.protocol.WorkflowVersion;
import agentx.testing.OnBothBackends;
import agentx.testing.TestDatabases;
import agentx.testing.TestDatabases.Backend;
import agentx.testing.TestDatabases.TestDatabase;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;
import org.flywaydb.core.Flyway;
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
  /** Every event row with its session's id, number, type and envelope. */
  private static final String EVENT_ROWS = "SELECT s.session_id, e.seq, e.type, e.envelope FROM events e"
      + " JOIN sessions s ON s.session_key = e.session_key";
  /** Event rows whose session is gone. */
  private static final String ORPHAN_EVENTS = "SELECT COUNT(*) FROM events e"
      + " WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.session_key = e.session_key)";

  @TempDir Path dir;
  private final List<Database> opened = new ArrayList<>();
  /** Set by {@link #withSession}: a migrated database of one backend, its repositories, one session. */
  private TestDatabase testDb;
  private Database db;
  private SessionRepository sessions;
  private EventRepository events;
  private String id;

  /** A fresh database of {@code backend}, migrated, with the session and event repositories and one session. */
  private void withSession(Backend backend, Vertx vertx) {
    testDb = TestDatabases.create(backend, dir);
    db = open(vertx, testDb);
    sessions = new SessionRepository(db);
    events = new EventRepository(db);
    id = newSession(sessions);
  }

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

  /** The context of a worker verticle deployed for the test, as the store's appends have theirs. */
  private static Context workerContext(Vertx vertx) {
    Promise<Context> worker = Promise.promise();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        worker.complete(context);
        return Future.succeededFuture();
      }
    }, new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER)).await();
    return worker.future().await();
  }

  private static ErrorCode failureCode(Future<?> future) {
    Throwable cause = future.<Throwable>transform(ar -> Future.succeededFuture(ar.cause())).await();
    assertThat(cause).as("expected a failure").isInstanceOf(AgentXException.class);
    return ((AgentXException) cause).code();
  }

  private static StoredMessage message(String sessionId, String role, String content) {
    return new StoredMessage(UUID.randomUUID().toString(), sessionId, UUID.randomUUID().toString(), role, content,
        new JsonArray().add(new JsonObject().put("type", "text").put("text", content)), null, 0, 0, null, null, null);
  }

  private static Session create(SessionRepository sessions, String userId, String title, JsonObject config) {
    return sessions.create(new CreateSession(userId, title, config)).await();
  }

  private static String newSession(SessionRepository sessions) {
    return create(sessions, null, null, new JsonObject()).sessionId();
  }

  private static BeginTurn turn(String turnId, String sessionId, String engineNode) {
    return new BeginTurn(turnId, sessionId, engineNode, message(sessionId, "user", "hi"));
  }

  private static List<String> drafts(String sessionId, String turnId, Object... data) {
    List<String> out = new ArrayList<>();
    for (Object d : data) {
      out.add(Events.draft(Events.STREAM, sessionId, turnId, d).encode());
    }
    return out;
  }

  private static List<Long> seqs(JsonArray events) {
    return events.stream().map(e -> ((JsonObject) e).getLong("seq")).toList();
  }

  private static List<Long> oneTo(long n) {
    return LongStream.rangeClosed(1, n).boxed().toList();
  }

  @OnBothBackends
  @DisplayName("sessions: create, get, list by page and by user, update, delete, and SESSION_NOT_FOUND for unknown ids")
  void sessionsCrud(Backend backend, Vertx vertx) {
    SessionRepository sessions = new SessionRepository(open(vertx, TestDatabases.create(backend, dir)));
    Session a = create(sessions, "u1", "first", new JsonObject().put("model", "m"));
    create(sessions, "u1", "second", new JsonObject());
    create(sessions, "u2", null, new JsonObject());
    String id = a.sessionId();
    assertThat(a.state()).isEqualTo("idle");
    assertThat(a.messageCount()).isZero();
    assertThat(a.usage().costUsd()).isZero();
    assertThat(sessions.get(id).await().config().getString("model")).isEqualTo("m");

    Page page = sessions.list(new PageQuery(null, 2, 0)).await();
    assertThat(page.total()).isEqualTo(3);
    assertThat(page.items()).hasSize(2);
    assertThat(sessions.list(new PageQuery(null, 2, 2)).await().items()).hasSize(1);
    Page mine = sessions.list(new PageQuery("u1", 10, 0)).await();
    assertThat(mine.total()).isEqualTo(2);
    assertThat(mine.items().stream().map(s -> ((JsonObject) s).getString("user_id"))).containsOnly("u1");

    Session updated = sessions.update(new UpdateSession(id, true, "renamed\u0000!", null)).await();
    assertThat(updated.title()).as("NUL is stored as U+FFFD").isEqualTo("renamed\uFFFD!");
    assertThat(updated.config().getString("model")).as("config untouched").isEqualTo("m");

    sessions.delete(id).await();
    assertThat(failureCode(sessions.get(id))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    assertThat(failureCode(sessions.delete(id))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    assertThat(failureCode(sessions.update(new UpdateSession("nope", false, null, null)))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    assertThat(sessions.list(new PageQuery(null, 10, 0)).await().total()).isEqualTo(2);
  }

  @OnBothBackends
  @DisplayName("messages: 20 concurrent appends get positions 1..20, pages come in order, history joins the turn status")
  void messages(Backend backend, Vertx vertx) {
    withSession(backend, vertx);
    List<Future<Void>> appends = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      appends.add(sessions.appendMessage(message(id, i % 2 == 0 ? "user" : "assistant", "m" + i)));
    }
    Future.all(appends).await();
    assertThat(testDb.query("SELECT position FROM messages WHERE session_id = ? ORDER BY position", id).stream()
        .map(r -> ((Number) r.get(0)).longValue()).toList()).isEqualTo(oneTo(20));
    assertThat(sessions.get(id).await().messageCount()).isEqualTo(20);

    Page page = sessions.listMessages(new PageQuery(id, 5, 15)).await();
    assertThat(page.total()).isEqualTo(20);
    assertThat(page.items()).hasSize(5);
    List<String> all = sessions.listMessages(new PageQuery(id, 100, 0)).await().items().stream()
        .map(m -> ((JsonObject) m).getString("message_id")).toList();
    assertThat(all).hasSize(20).doesNotHaveDuplicates();

    String turnId = UUID.randomUUID().toString();
    StoredMessage withNul = new StoredMessage(UUID.randomUUID().toString(), id, turnId, "user", "a\u0000b",
        new JsonArray().add(new JsonObject().put("type", "text").put("text", "a\u0000b")), null, 0, 0, null, null, null);
    sessions.beginTurn(new BeginTurn(turnId, id, "node", withNul)).await();
    JsonObject last = sessions.listMessages(new PageQuery(id, 1, 20)).await().items().getJsonObject(0);
    assertThat(last.getString("content")).isEqualTo("a\uFFFDb");
    assertThat(last.getJsonArray("blocks").getJsonObject(0).getString("text")).as("JSON text keeps its escaped NUL").isEqualTo("a\u0000b");

    List<HistoryEntry> history = sessions.history(id).await();
    assertThat(history).hasSize(21);
    assertThat(history.get(20).turnStatus()).as("the message and its turn were stored together").isEqualTo("running");
    assertThat(history.get(20).blocks()).hasSize(1);
    assertThat(failureCode(sessions.appendMessage(message("nope", "user", "x")))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
  }

  @OnBothBackends
  @DisplayName("a page of messages says the seq of the last turn event of a turn that had started; a queued turn closed unstarted is passed over")
  void lastTurnSeq(Backend backend, Vertx vertx) {
    withSession(backend, vertx);
    assertThat(sessions.listMessages(new PageQuery(id, 10, 0)).await().lastTurnSeq()).isZero();
    String first = UUID.randomUUID().toString();
    String running = UUID.randomUUID().toString();
    String queued = UUID.randomUUID().toString();
    events.append(drafts(id, first, "a", "b")).await();
    String ended = Events.draft(Events.TURN, id, first, new JsonObject().put("status", "completed")
        .put("user_message_id", UUID.randomUUID().toString())).encode();
    long endedSeq = new JsonObject(events.append(List.of(ended)).await().get(0).envelope()).getLong("seq");
    events.append(drafts(id, running, "c")).await();
    // closed before it started, while the turn above still runs: its turn event names no user message
    String dropped = Events.draft(Events.TURN, id, queued, new JsonObject().put("status", "failed").putNull("user_message_id")).encode();
    events.append(List.of(dropped)).await();
    events.append(drafts(id, running, "d")).await();
    assertThat(endedSeq).isEqualTo(3);
    assertThat(sessions.listMessages(new PageQuery(id, 10, 0)).await().lastTurnSeq()).isEqualTo(endedSeq);
  }

  @OnBothBackends
  @DisplayName("events: 50 concurrent appends on one session get seq 1..50, listed in order and by page; a seq in a draft is ignored")
  void events(Backend backend, Vertx vertx) {
    withSession(backend, vertx);
    String turnId = UUID.randomUUID().toString();
    List<Future<List<EventRepository.Appended>>> appends = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      appends.add(events.append(drafts(id, turnId, "t" + i)));
    }
    Future.all(appends).await();
    assertThat(appends.stream().map(f -> new JsonObject(f.result().get(0).envelope()).getLong("seq")).sorted().toList()).isEqualTo(oneTo(50));

    EventPage listed = events.list(new EventQuery(id, 0, 1000)).await();
    assertThat(seqs(listed.events())).isEqualTo(oneTo(50));
    assertThat(listed.nextAfter()).isEqualTo(50);
    EventPage page = events.list(new EventQuery(id, 10, 5)).await();
    assertThat(seqs(page.events())).containsExactly(11L, 12L, 13L, 14L, 15L);
    assertThat(page.nextAfter()).isEqualTo(15);
    assertThat(events.list(new EventQuery(id, 50, 10)).await().events()).isEmpty();

    // the store alone numbers: a number a caller put in its draft is not used, the next free one is
    JsonObject claimsTwo = Events.draft(Events.STREAM, id, turnId, "mine").put("seq", 2L);
    assertThat(new JsonObject(events.append(List.of(claimsTwo.encode())).await().get(0).envelope()).getLong("seq")).isEqualTo(51);
    assertThat(events.list(new EventQuery(id, 1, 1)).await().events().getJsonObject(0).getString("data")).startsWith("t");
    assertThat(events.list(new EventQuery(id, 50, 10)).await().events().getJsonObject(0).getString("data")).isEqualTo("mine");
  }

  @OnBothBackends
  @DisplayName("group commit: concurrent appends of 20 sessions are numbered per session in order; a deleted session's append fails alone")
  void groupCommit(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    EventAppender appender = new EventAppender(new EventRepository(db), db.isSqlite() ? 1 : 4, stored -> { });
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(newSession(sessions));
    }
    String gone = ids.get(7);
    sessions.delete(gone).await();
    // appends are made on the store's own context, as the verticle makes them
    io.vertx.core.Context context = vertx.getOrCreateContext();
    List<Future<List<EventRepository.Appended>>> appends = new ArrayList<>();
    io.vertx.core.Promise<Void> issued = io.vertx.core.Promise.promise();
    context.runOnContext(v -> {
      for (int round = 0; round < 5; round++) {
        for (String id : ids) {
          appends.add(appender.append(drafts(id, "t", "r" + round + "a", "r" + round + "b")));
        }
      }
      issued.complete();
    });
    issued.future().await();
    Future.join(appends).transform(ar -> Future.succeededFuture()).await();
    for (int i = 0; i < appends.size(); i++) {
      String id = ids.get(i % ids.size());
      Future<List<EventRepository.Appended>> append = appends.get(i);
      if (id.equals(gone)) {
        assertThat(ErrorCode.of(append.cause())).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
        continue;
      }
      assertThat(append.succeeded()).as(String.valueOf(append.cause())).isTrue();
      int round = i / ids.size();
      assertThat(append.result().stream().map(e -> new JsonObject(e.envelope()).getLong("seq")).toList()).containsExactly(2L * round + 1, 2L * round + 2);
      assertThat(append.result().stream().map(EventRepository.Appended::seq).toList()).containsExactly(2L * round + 1, 2L * round + 2);
      assertThat(new JsonObject(append.result().get(0).envelope()).getString("data")).isEqualTo("r" + round + "a");
    }
  }

  @OnBothBackends
  @DisplayName("each row of a group keeps its own session and type, and its envelope its turn and time, whether its neighbour's are the same, differ, or are spelled with escapes")
  void groupRowsKeepTheirOwnFields(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    String a = newSession(sessions);
    String b = newSession(sessions);
    String[][] rows = {
        {a, "t1", "stream", "2026-12-04T07:00:00.000Z"},
        {a, "t1", "stream", "2026-12-04T07:00:00.000Z"},
        {a, "t2", "state", "2026-12-04T07:00:00.001Z"},
        {b, "t2", "state", "2026-12-04T07:00:00.001Z"},
        {b, "t2", "turn", "2026-12-04T07:00:00.002Z"},
        {a, "t1", "stream", "2026-12-04T07:00:00.002Z"}};
    List<String> drafts = new ArrayList<>();
    for (String[] row : rows) {
      drafts.add("{\"type\":\"" + row[2] + "\",\"session_id\":\"" + row[0] + "\",\"turn_id\":\"" + row[1]
          + "\",\"seq\":null,\"timestamp\":\"" + row[3] + "\",\"data\":\"x\"}");
    }
    // the same type, written with an escape: the row holds the value, not the text
    drafts.add(drafts.get(4).replace("\"type\":\"turn\"", "\"type\":\"t\\u0075rn\""));
    new EventRepository(db).append(drafts).await();

    List<String> stored = db.readJdbc(jdbc -> Jdbc.list(jdbc, EVENT_ROWS, row -> {
      JsonObject envelope = new JsonObject(row.getString(4));
      return row.getString(1) + " " + row.getLong(2) + " " + envelope.getString("turn_id") + " " + row.getString(3) + " "
          + envelope.getString("timestamp");
    })).await();
    assertThat(stored).containsExactlyInAnyOrder(
        a + " 1 t1 stream 2026-12-04T07:00:00.000Z",
        a + " 2 t1 stream 2026-12-04T07:00:00.000Z",
        a + " 3 t2 state 2026-12-04T07:00:00.001Z",
        b + " 1 t2 state 2026-12-04T07:00:00.001Z",
        a + " 4 t1 stream 2026-12-04T07:00:00.002Z",
        b + " 2 t2 turn 2026-12-04T07:00:00.002Z",
        b + " 3 t2 turn 2026-12-04T07:00:00.002Z");
  }

  @OnBothBackends
  @DisplayName("a group larger than one statement's rows, sessions interleaved: every row stored once, numbered in its session's order, with its own values")
  void largeGroupEveryRowItsOwn(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    EventRepository events = new EventRepository(db);
    String a = newSession(sessions);
    String b = newSession(sessions);
    String c = newSession(sessions);
    events.append(drafts(b, "t0", "before")).await(); // b's numbers go on from 1
    String[] of = new String[Sql.MAX_EVENT_ROWS * 2 + 7]; // 71 rows: statements of 32, 32, 4, 2 and 1 rows
    List<String> group = new ArrayList<>();
    for (int i = 0; i < of.length; i++) {
      of[i] = i % 5 == 0 ? b : i % 3 == 0 ? c : a;
      group.add("{\"type\":\"" + (i % 2 == 0 ? "stream" : "state") + "\",\"session_id\":\"" + of[i] + "\",\"turn_id\":\"t" + (i % 4)
          + "\",\"seq\":null,\"timestamp\":\"2026-12-04T10:00:00." + String.format("%03d", i) + "Z\",\"data\":\"e" + i + "\"}");
    }
    List<EventRepository.Appended> answered = events.append(group).await();

    assertThat(answered).hasSize(of.length);
    java.util.Map<String, Long> next = new java.util.HashMap<>(java.util.Map.of(a, 1L, b, 2L, c, 1L));
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < of.length; i++) {
      long seq = next.merge(of[i], 1L, Long::sum) - 1;
      assertThat(answered.get(i).sessionId()).isEqualTo(of[i]);
      assertThat(answered.get(i).seq()).isEqualTo(seq);
      expected.add(of[i] + " " + seq + " t" + (i % 4) + " " + (i % 2 == 0 ? "stream" : "state") + " 2026-12-04T10:00:00."
          + String.format("%03d", i) + "Z e" + i + " " + seq);
    }
    List<String> stored = db.readJdbc(jdbc -> Jdbc.list(jdbc, EVENT_ROWS + " WHERE NOT (s.session_id = ? AND e.seq = 1)", row -> {
          JsonObject envelope = new JsonObject(row.getString(4));
          return row.getString(1) + " " + row.getLong(2) + " " + envelope.getString("turn_id") + " " + row.getString(3) + " "
              + envelope.getString("timestamp") + " " + envelope.getString("data") + " " + envelope.getLong("seq");
        }, b)).await();
    assertThat(stored).containsExactlyInAnyOrderElementsOf(expected);
  }

  @OnBothBackends
  @DisplayName("numbers stay contiguous when appends alternate with writes that number events themselves; a session deleted after an append fails the next with SESSION_NOT_FOUND")
  void numbersAcrossOtherWrites(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    EventRepository events = new EventRepository(db);
    WorkflowRepository workflows = new WorkflowRepository(db);
    String id = newSession(sessions);
    events.append(drafts(id, "t", "a", "b")).await();
    // SQLite's store remembers the last number between appends; PostgreSQL's asks every time (other nodes append too)
    assertThat(db.lastSeqs().knows(id)).isEqualTo(backend == Backend.SQLITE);
    assertThat(db.lastSeqs().key(id)).isEqualTo(backend == Backend.SQLITE
        ? (Long) db.readJdbc(jdbc -> Jdbc.first(jdbc, Sql.SESSION_KEY, row -> row.getLong(1), id)).await()
        : null);
    workflows.saveAndAnnounce(new SaveWorkflow(id, new JsonObject(), "an edit", null, SaveWorkflow.USER)).await(); // numbers its event itself (3)
    assertThat(db.lastSeqs().knows(id)).isFalse();
    events.append(drafts(id, "t", "c")).await();
    workflows.saveAndAnnounce(new SaveWorkflow(id, new JsonObject(), "another", null, SaveWorkflow.USER)).await();
    events.append(drafts(id, "t", "d", "e")).await();
    JsonArray stored = events.list(new EventQuery(id, 0, 100)).await().events();
    assertThat(seqs(stored)).isEqualTo(oneTo(7));
    assertThat(stored.stream().map(e -> ((JsonObject) e).getString("type")).toList())
        .containsExactly("stream", "stream", "workflow", "stream", "workflow", "stream", "stream");

    events.append(drafts(id, "t", "f")).await();
    sessions.delete(id).await();
    assertThat(db.lastSeqs().knows(id)).isFalse();
    assertThat(db.lastSeqs().key(id)).isNull();
    assertThat(failureCode(events.append(drafts(id, "t", "after delete")))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
  }

  @OnBothBackends
  @DisplayName("a session deleted while appends to it are on their way leaves no event behind: an append before the delete is removed with it, one after fails with SESSION_NOT_FOUND")
  void deleteAmongAppends(Backend backend, Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    Database db = open(vertx, testDb);
    SessionRepository sessions = new SessionRepository(db);
    // several transactions at once on PostgreSQL, as the store runs them: the delete meets appends in flight
    EventAppender appender = new EventAppender(new EventRepository(db), db.isSqlite() ? 1 : 4, stored -> { });
    for (int attempt = 0; attempt < 5; attempt++) {
      String gone = newSession(sessions);
      String kept = newSession(sessions);
      Context context = vertx.getOrCreateContext();
      List<Future<List<EventRepository.Appended>>> goneAppends = new ArrayList<>();
      List<Future<List<EventRepository.Appended>>> keptAppends = new ArrayList<>();
      AtomicReference<Future<Void>> delete = new AtomicReference<>();
      Promise<Void> issued = Promise.promise();
      int deleteAt = 20 + attempt * 5;
      context.runOnContext(v -> {
        for (int i = 0; i < 60; i++) {
          if (i == deleteAt) {
            delete.set(sessions.delete(gone));
          }
          goneAppends.add(appender.append(drafts(gone, "t", "g" + i)));
          keptAppends.add(appender.append(drafts(kept, "t", "k" + i)));
        }
        issued.complete();
      });
      issued.future().await();
      delete.get().await();
      Future.join(goneAppends).transform(ar -> Future.succeededFuture()).await();
      Future.join(keptAppends).await();
      for (Future<List<EventRepository.Appended>> append : goneAppends) {
        if (append.failed()) {
          assertThat(ErrorCode.of(append.cause())).as(String.valueOf(append.cause())).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
        }
      }
      assertThat(testDb.queryLong(ORPHAN_EVENTS))
          .as("events of the deleted session").isZero();
      assertThat(testDb.eventSeqs(kept)).hasSize(60);
    }
    if (backend == Backend.POSTGRESQL) {
      // the appends' own lock and read check the session (V4 took the key's per-row check away)
      assertThat(testDb.queryLong("SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'events'::regclass AND contype = 'f'")).isZero();
    }
  }

  @Test
  @DisplayName("SQLite: a row another process added behind the store's back fails one append, never a number twice; the next append asks and goes on after it")
  void sqliteWriterBehindTheStoresBack(Vertx vertx) throws Exception {
    TestDatabase testDb = TestDatabases.create(Backend.SQLITE, dir);
    Database db = open(vertx, testDb);
    EventRepository events = new EventRepository(db);
    String id = newSession(new SessionRepository(db));
    events.append(drafts(id, "t", "a", "b")).await();
    try (Connection other = DriverManager.getConnection(testDb.jdbcUrl());
        var st = other.prepareStatement("INSERT INTO events (session_key, seq, type, envelope) VALUES ((" + Sql.SESSION_KEY
            + "), 3, 'stream', '{\"seq\":3}')")) {
      st.setString(1, id);
      st.executeUpdate();
    }
    Future<List<EventRepository.Appended>> refused = events.append(drafts(id, "t", "c"));
    assertThat(refused.<Throwable>transform(ar -> Future.succeededFuture(ar.cause())).await()).as("the primary key refuses seq 3 twice").isNotNull();
    assertThat(events.append(drafts(id, "t", "c", "d")).await().stream().map(EventRepository.Appended::seq).toList()).containsExactly(4L, 5L);
    assertThat(seqs(events.list(new EventQuery(id, 0, 100)).await().events())).isEqualTo(oneTo(5));
  }

  @OnBothBackends
  @DisplayName("event appends (and the health check's write probe) go before a backlog of other writes (a burst of turn starts does not hold tokens back), and alternate with them (neither starves)")
  void appendsGoFirst(Backend backend, Vertx vertx) {
    withSession(backend, vertx);

    // the order is the queue's on SQLite, with one writer; on PostgreSQL eight transactions run at
    // once, and the pool's connections, the threads and the session's row lock reorder them (the
    // queue is the same class there: it is checked for every write to succeed)
    // 200 message writes (turn starts, say), then one append: the append is written first
    List<String> finished = queuedTogether(vertx, db, 200, i -> sessions.appendMessage(message(id, "user", "m" + i)), "message",
        () -> events.append(drafts(id, "t", "token")), "append");
    // 50 appends, then one message write: the appends do not starve it (it comes right after the first)
    List<String> then = queuedTogether(vertx, db, 50, i -> events.append(drafts(id, "t", "more" + i)), "append",
        () -> sessions.appendMessage(message(id, "user", "last")), "last message");
    // the health check's write probe takes the appends' lane: a backlog of turn writes does not make the store look down
    List<String> probed = queuedTogether(vertx, db, 200, i -> sessions.appendMessage(message(id, "user", "p" + i)), "message",
        () -> db.probeWrite(), "probe");
    if (db.isSqlite()) {
      assertThat(finished.indexOf("append")).as(finished.subList(0, 30).toString()).isZero();
      assertThat(then.indexOf("last message")).as(then.subList(0, 30).toString()).isLessThanOrEqualTo(1);
      assertThat(probed.indexOf("probe")).as(probed.subList(0, 30).toString()).isZero();
    }
    assertThat(finished).hasSize(201);
    assertThat(then).hasSize(51);
    assertThat(probed).hasSize(201);
    assertThat(events.list(new EventQuery(id, 0, 1000)).await().events().size()).isEqualTo(51);
  }

  @OnBothBackends
  @DisplayName("an append asked for on a worker context is written on that context on SQLite (not handed to another thread); the caller goes on on its own context")
  void appendsOnTheirWorker(Backend backend, Vertx vertx) {
    withSession(backend, vertx);
    AtomicReference<Context> committedOn = new AtomicReference<>();
    AtomicReference<Context> answeredOn = new AtomicReference<>();
    Context context = workerContext(vertx);
    long handedOverBefore = db.writesHandedOver();
    Promise<Void> done = Promise.promise();
    // a worker context's tasks may run on any of the worker pool's threads, one at a time: what is
    // checked is that no write was handed to another thread, and where the commit and the answer ran
    context.runOnContext(v -> db.writeEvents(jdbc -> List.of(), stored -> committedOn.set(Vertx.currentContext()))
        .compose(x -> events.append(drafts(id, "t", "token")))
        .onComplete(x -> {
          answeredOn.set(Vertx.currentContext());
          done.handle(x.mapEmpty());
        }));
    done.future().await();
    if (db.isSqlite()) {
      assertThat(db.writesHandedOver()).as("writes handed to another thread").isEqualTo(handedOverBefore);
      assertThat(committedOn.get()).as("committed on the asking context").isSameAs(context);
    } else {
      assertThat(db.writesHandedOver()).as("PostgreSQL's writes go to the worker pool").isEqualTo(handedOverBefore + 2);
    }
    assertThat(answeredOn.get()).isSameAs(context);
    assertThat(events.list(new EventQuery(id, 0, 10)).await().events()).hasSize(1);
  }

  @OnBothBackends
  @DisplayName("turn writes queued on the appends' worker context do not hold it: an append asked for meanwhile goes next, not after all of them")
  void turnWritesDoNotHoldTheAppendsWorker(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    Context context = workerContext(vertx);
    List<String> started = java.util.Collections.synchronizedList(new ArrayList<>());
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      List<Future<?>> writes = new ArrayList<>();
      Promise<Void> appended = Promise.promise();
      for (int i = 0; i < 100; i++) {
        int n = i;
        writes.add(db.writeJdbc(jdbc -> {
          started.add("turn write " + n);
          if (n == 0) {
            // a token's append arrives on the appends' context while the first turn write runs; that
            // write ends once the request is in the queue (or after 2 s: with turn writes run inline
            // on that context, the request cannot get in before the whole run of them)
            java.util.concurrent.CountDownLatch inQueue = new java.util.concurrent.CountDownLatch(1);
            context.runOnContext(x -> {
              db.writeEvents(j -> started.add("append"), y -> { }).onComplete(a -> appended.complete());
              inQueue.countDown();
            });
            try {
              inQueue.await(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return null;
        }));
      }
      writes.add(appended.future());
      Future.all(writes).onComplete(x -> done.complete());
    });
    done.future().await();
    assertThat(started).hasSize(101);
    if (db.isSqlite()) {
      // right after the first (with turn writes run inline it came after all 100); on PostgreSQL
      // eight run at once, reordered by the pool and the threads
      assertThat(started.indexOf("append")).as(started.subList(0, 20).toString()).isEqualTo(1);
    }
  }

  @OnBothBackends
  @DisplayName("turn writes that waited too long go before the appends until the backlog is worked off; one that fails fails alone")
  void overdueTurnWritesGoFirst(Backend backend, Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    Database db = open(vertx, testDb);
    db.overdueAfter(200);
    SessionRepository sessions = new SessionRepository(db);
    EventRepository events = new EventRepository(db);
    String id = newSession(sessions);
    String gone = newSession(sessions);
    sessions.delete(gone).await();
    List<Future<?>> doomed = new ArrayList<>();
    // 50 appends, then 200 message writes (a burst of turn starts), the one at 150 for a deleted session;
    // all of it held up 400 ms (a writer busy), so the message writes are overdue when it goes on
    List<String> finished = queuedTogether(vertx, db, 250, i -> {
      if (i < 50) {
        return events.append(drafts(id, "t", "token" + i));
      }
      if (i == 150) {
        Future<?> write = sessions.appendMessage(message(gone, "user", "lost"));
        doomed.add(write);
        return write;
      }
      return sessions.appendMessage(message(id, "user", "m" + i));
    }, "write", () -> sessions.appendMessage(message(id, "user", "last")), "last message", 400);

    assertThat(failureCode(doomed.get(0))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    assertThat(finished).hasSize(250).doesNotContain("write 150").contains("last message");
    assertThat(testDb.query("SELECT position FROM messages WHERE session_id = ? ORDER BY position", id).stream()
        .map(r -> ((Number) r.get(0)).longValue()).toList()).isEqualTo(oneTo(200));
    assertThat(events.list(new EventQuery(id, 0, 1000)).await().events().size()).isEqualTo(50);
    if (db.isSqlite()) {
      // one for one, the last of 200 would have waited for all 50 appends (with one writer the order
      // of finishing is the queue's; on PostgreSQL the session's row lock orders them)
      long appendsBefore = finished.subList(0, finished.indexOf("last message")).stream()
          .filter(w -> Integer.parseInt(w.substring("write ".length())) < 50).count();
      assertThat(appendsBefore).as(finished.toString()).isZero();
    }
  }

  /**
   * Queues {@code n} writes and then one more while every writer is held by a transaction of the
   * test's own, then lets them go: answers the order those that succeeded finished in. All of it on one context, as
   * the store verticle works, so the completions are seen in the order they happen (from the test's
   * thread, each would be told on an event loop of its own).
   */
  private static List<String> queuedTogether(Vertx vertx, Database db, int n, java.util.function.IntFunction<Future<?>> write,
      String name, java.util.function.Supplier<Future<?>> last, String lastName) {
    return queuedTogether(vertx, db, n, write, name, last, lastName, 0);
  }

  /** {@link #queuedTogether} with the writers held {@code holdMs} more after the writes are queued. */
  private static List<String> queuedTogether(Vertx vertx, Database db, int n, java.util.function.IntFunction<Future<?>> write,
      String name, java.util.function.Supplier<Future<?>> last, String lastName, long holdMs) {
    int writers = db.isSqlite() ? 1 : 8;
    List<String> finished = java.util.Collections.synchronizedList(new ArrayList<>());
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    io.vertx.core.Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
      List<Future<?>> holding = new ArrayList<>();
      List<Future<?>> holds = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        io.vertx.core.Promise<Void> started = io.vertx.core.Promise.promise();
        holding.add(started.future());
        // a transaction that holds its writer (a worker thread) until the writes below are queued
        holds.add(db.writeJdbc(jdbc -> {
          context.runOnContext(x -> started.tryComplete());
          try {
            release.await(30, java.util.concurrent.TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return null;
        }));
      }
      Future.all(holding).onSuccess(held -> {
        List<Future<?>> writes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          String label = name + " " + i;
          writes.add(write.apply(i).onSuccess(x -> finished.add(label)));
        }
        writes.add(last.get().onSuccess(x -> finished.add(lastName)));
        if (holdMs > 0) {
          vertx.setTimer(holdMs, t -> release.countDown());
        } else {
          release.countDown();
        }
        // every write ends, failed or not: the caller reads the order of those that succeeded
        Future.all(holds).compose(x -> Future.join(writes)).onComplete(x -> done.complete());
      });
    });
    done.future().await();
    return finished;
  }

  @OnBothBackends
  @DisplayName("workflows: 20 concurrent saves get versions 1..20; the highest is current; every version can be read back")
  void workflows(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    WorkflowRepository workflows = new WorkflowRepository(db);
    String id = newSession(sessions);
    assertThat(workflows.current(id).await()).isNull();
    List<Future<WorkflowVersion>> saves = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      saves.add(workflows.save(id, "{\"1\":{\"class_type\":\"N" + i + "\",\"inputs\":{\"big\":12345678901234567890}}}", "edit " + i, null));
    }
    Future.all(saves).await();
    assertThat(saves.stream().map(f -> f.result().version()).sorted().toList()).isEqualTo(oneTo(20));
    WorkflowVersion current = workflows.current(id).await();
    assertThat(current.version()).isEqualTo(20);
    WorkflowVersion seventh = saves.stream().map(Future::result).filter(w -> w.version() == 7).findFirst().orElseThrow();
    WorkflowVersion read = workflows.version(id, 7).await();
    assertThat(read.description()).isEqualTo(seventh.description());
    assertThat(read.workflow()).isEqualTo(seventh.workflow());
    assertThat(workflows.versions(id).await().stream().map(WorkflowVersion::version).toList())
        .isEqualTo(LongStream.iterate(20, v -> v >= 1, v -> v - 1).boxed().toList());
    assertThat(workflows.version(id, 21).await()).isNull();
    assertThat(failureCode(workflows.save("nope", "{}", "x", null))).isEqualTo(ErrorCode.SESSION_NOT_FOUND);
  }

  @OnBothBackends
  @DisplayName("workflows: a save based on a replaced version is refused with WORKFLOW_CONFLICT and stores nothing; of concurrent saves on one base exactly one wins")
  void workflowConflicts(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    WorkflowRepository workflows = new WorkflowRepository(db);
    String id = newSession(new SessionRepository(db));
    assertThat(workflows.save(id, "{}", "first", 0L).await().version()).isEqualTo(1);
    assertThat(failureCode(workflows.save(id, "{}", "stale", 0L))).isEqualTo(ErrorCode.WORKFLOW_CONFLICT);
    assertThat(workflows.current(id).await().description()).isEqualTo("first");

    List<Future<WorkflowVersion>> racing = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      racing.add(workflows.save(id, "{}", "racer " + i, 1L));
    }
    Future.join(racing).transform(ar -> Future.succeededFuture()).await();
    assertThat(racing.stream().filter(Future::succeeded).count()).isEqualTo(1);
    assertThat(racing.stream().filter(Future::failed).map(f -> ErrorCode.of(f.cause())).distinct().toList())
        .containsExactly(ErrorCode.WORKFLOW_CONFLICT);
    assertThat(workflows.current(id).await().version()).isEqualTo(2);
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
      String id = newSession(sessions);
      ids.add(id);
      String turnId = UUID.randomUUID().toString();
      sessions.beginTurn(turn(turnId, id, "n1")).await();
      events.append(drafts(id, turnId, "thinking")).await();
      workflows.save(id, "{}", "d", null).await();
    }
    String[] tables = {"sessions", "messages", "turns", "workflows"};
    sessions.delete(ids.get(0)).await();
    for (String table : tables) {
      assertThat(testDb.queryLong("SELECT COUNT(*) FROM " + table + " WHERE session_id = ?", ids.get(0))).as(table).isZero();
      assertThat(testDb.queryLong("SELECT COUNT(*) FROM " + table + " WHERE session_id = ?", ids.get(1))).as(table).isEqualTo(1);
    }
    // the events name their session by its key: none is left without its session, the other's is there
    assertThat(testDb.queryLong(ORPHAN_EVENTS))
        .as("events").isZero();
    assertThat(testDb.eventSeqs(ids.get(1))).as("events").hasSize(1);
  }

  @OnBothBackends
  @DisplayName("finishing a turn closes it with its answer and adds its usage to the session; a left-running turn is closed once, with events after the last seq")
  void runningTurns(Backend backend, Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    Database db = open(vertx, testDb);
    SessionRepository sessions = new SessionRepository(db);
    EventRepository events = new EventRepository(db);
    TurnRecovery recovery = new TurnRecovery(db);
    String id = newSession(sessions);

    String done = UUID.randomUUID().toString();
    sessions.beginTurn(turn(done, id, "n1")).await();
    StoredMessage answer = new StoredMessage(UUID.randomUUID().toString(), id, done, "assistant", "the answer", null, null, 10, 5,
        "end_turn", null, null);
    TurnSummary summary = new TurnSummary(done, null, answer.messageId(), 12, "completed", 10, 5, 0, 0, 0.25, 1, 0, "end_turn", null, null);
    // the answer goes in with the turn's end: to a session that is not there, neither is stored
    assertThat(failureCode(sessions.finishTurn(new FinishTurn("nope", "idle", summary,
        new StoredMessage(answer.messageId(), "nope", done, "assistant", "lost", null, null, 0, 0, null, null, null)))))
        .isEqualTo(ErrorCode.SESSION_NOT_FOUND);
    assertThat(recovery.runningTurns().await()).hasSize(1);
    sessions.finishTurn(new FinishTurn(id, "idle", summary, answer)).await();
    assertThat(sessions.listMessages(new PageQuery(id, 10, 0)).await().items().stream()
        .map(m -> ((JsonObject) m).getString("role") + ":" + ((JsonObject) m).getString("content")).toList())
        .containsExactly("user:hi", "assistant:the answer");
    assertThat(sessions.get(id).await().messageCount()).isEqualTo(2);
    assertThat(new TurnRepository(db).get(id, done).await().assistantMessageId()).isEqualTo(answer.messageId());
    Session.Usage usage = sessions.get(id).await().usage();
    assertThat(usage.inputTokens()).isEqualTo(10);
    assertThat(usage.outputTokens()).isEqualTo(5);
    assertThat(usage.costUsd()).isEqualTo(0.25);
    assertThat(usage.turns()).isEqualTo(1);
    assertThat(recovery.runningTurns().await()).isEmpty();

    String left = UUID.randomUUID().toString();
    sessions.beginTurn(turn(left, id, "n2")).await();
    events.append(drafts(id, left, "thinking", "par")).await();
    List<TurnRecovery.RunningTurn> running = recovery.runningTurns().await();
    assertThat(running).hasSize(1);
    assertThat(running.get(0).engineNode()).isEqualTo("n2");
    assertThat(sessions.get(id).await().state()).isEqualTo("processing");

    // two store nodes noticing the same departed engine at once: exactly one closes the turn
    TurnRecovery.RunningTurn turn = running.get(0);
    Future<List<JsonObject>> first = recovery.fail(turn, ErrorCode.SERVICE_UNAVAILABLE, "engine left");
    Future<List<JsonObject>> second = recovery.fail(turn, ErrorCode.SERVICE_UNAVAILABLE, "engine left");
    Future.all(first, second).await();
    List<JsonObject> closing = first.result().isEmpty() ? second.result() : first.result();
    assertThat(first.result().size() + second.result().size()).isEqualTo(2);
    assertThat(closing.stream().map(e -> e.getLong("seq")).toList()).containsExactly(3L, 4L);
    assertThat(closing.get(0).getJsonObject("data").getString("state")).isEqualTo("error");
    assertThat(closing.get(1).getString("type")).isEqualTo("turn");
    assertThat(closing.get(1).getJsonObject("data").getString("status")).isEqualTo("failed");
    assertThat(closing.get(1).getJsonObject("data").getString("error_code")).isEqualTo("SERVICE_UNAVAILABLE");

    assertThat(recovery.runningTurns().await()).isEmpty();
    assertThat(sessions.get(id).await().state()).isEqualTo("idle");
    assertThat(seqs(events.list(new EventQuery(id, 0, 100)).await().events())).isEqualTo(oneTo(4));
    assertThat(testDb.query("SELECT status, error_code FROM turns WHERE turn_id = ?", left))
        .containsExactly(List.of("failed", "SERVICE_UNAVAILABLE"));
    assertThat(recovery.fail(turn, ErrorCode.INTERNAL, "again").await()).isEmpty();
  }

  @OnBothBackends
  @DisplayName("a turn whose cost is unknown is stored with cost_usd NULL; the session's total adds only the known costs")
  void unknownTurnCost(Backend backend, Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    SessionRepository sessions = new SessionRepository(open(vertx, testDb));
    String id = newSession(sessions);
    String priced = UUID.randomUUID().toString();
    String unpriced = UUID.randomUUID().toString();
    sessions.beginTurn(turn(priced, id, "n1")).await();
    sessions.finishTurn(new FinishTurn(id, "idle", new TurnSummary(priced, null, null, 5, "completed", 10, 5, 0, 0, 0.5, 1, 0,
        "end_turn", null, null))).await();
    sessions.beginTurn(turn(unpriced, id, "n1")).await();
    sessions.finishTurn(new FinishTurn(id, "idle", new TurnSummary(unpriced, null, null, 5, "completed", 20, 7, 0, 0, null, 1, 0,
        "end_turn", null, null))).await();

    assertThat(testDb.query("SELECT cost_usd FROM turns WHERE turn_id = ?", unpriced)).containsExactly(Arrays.asList((Object) null));
    assertThat(((Number) testDb.query("SELECT cost_usd FROM turns WHERE turn_id = ?", priced).get(0).get(0)).doubleValue()).isEqualTo(0.5);
    Session.Usage usage = sessions.get(id).await().usage();
    assertThat(usage.costUsd()).isEqualTo(0.5);
    assertThat(usage.inputTokens()).isEqualTo(30);
    assertThat(usage.turns()).isEqualTo(2);
  }

  @OnBothBackends
  @DisplayName("a session's cost reads back as stored, the same from get, list and update")
  void costReadsBackAsStored(Backend backend, Vertx vertx) {
    SessionRepository sessions = new SessionRepository(open(vertx, TestDatabases.create(backend, dir)));
    String id = create(sessions, "cost-user", "t", new JsonObject()).sessionId();
    String turnId = UUID.randomUUID().toString();
    sessions.beginTurn(turn(turnId, id, "n1")).await();
    double cost = 1234.567891234; // more digits than a float holds
    sessions.finishTurn(new FinishTurn(id, "idle", new TurnSummary(turnId, null, null, 5, "completed", 10, 5, 0, 0, cost, 1, 0,
        "end_turn", null, null))).await();

    assertThat(sessions.get(id).await().usage().costUsd()).isEqualTo(cost);
    JsonObject listed = sessions.list(new PageQuery("cost-user", 10, 0)).await().items().getJsonObject(0);
    assertThat(Session.fromJson(listed).usage().costUsd()).isEqualTo(cost);
    assertThat(sessions.update(new UpdateSession(id, true, "renamed", null)).await().usage().costUsd()).isEqualTo(cost);
  }

  @OnBothBackends
  @DisplayName("a turn's cost reads back as stored in the turns list, one turn, and the usage a resumed turn carries on from (with its answers, or recorded alone)")
  void turnCostReadsBackAsStored(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    TurnRepository turns = new TurnRepository(db);
    TurnRecovery recovery = new TurnRecovery(db);
    String id = newSession(sessions);
    double cost = 1234.567891234; // more digits than a float holds
    String finished = UUID.randomUUID().toString();
    sessions.beginTurn(turn(finished, id, "n1")).await();
    sessions.finishTurn(new FinishTurn(id, "idle", new TurnSummary(finished, null, null, 5, "completed", 10, 5, 0, 0, cost, 1, 0,
        "end_turn", null, null))).await();
    String unpriced = UUID.randomUUID().toString();
    sessions.beginTurn(turn(unpriced, id, "n1")).await();
    sessions.finishTurn(new FinishTurn(id, "idle", new TurnSummary(unpriced, null, null, 5, "completed", 10, 5, 0, 0, null, 1, 0,
        "end_turn", null, null))).await();

    Page page = turns.list(new TurnQuery(id, null, 10, 0)).await();
    assertThat(page.total()).isEqualTo(2);
    List<Double> listed = page.items().stream().map(t -> TurnRecord.fromJson((JsonObject) t))
        .map(t -> t.usage().costUsd()).toList();
    assertThat(listed).containsExactlyInAnyOrder(cost, null);
    TurnRecord one = turns.get(id, finished).await();
    assertThat(one.usage().costUsd()).isEqualTo(cost);
    assertThat(one.durationMs()).isEqualTo(5L);
    assertThat(turns.get(id, unpriced).await().usage().costUsd()).isNull();

    // a running turn's usage so far, stored with its answer (a finished turn's figures stay as they are);
    // its engine gone: claimed again, it carries on from what was stored
    String running = UUID.randomUUID().toString();
    sessions.beginTurn(turn(running, id, "n2")).await();
    sessions.appendMessage(new AppendMessage(new StoredMessage(UUID.randomUUID().toString(), id, running, "assistant", "", null, null, 7, 3,
        "tool_use", null, null), new TurnUsageSoFar(7, 3, 0, 0, cost, 1, 1))).await();
    sessions.appendMessage(new AppendMessage(new StoredMessage(UUID.randomUUID().toString(), id, finished, "user", "late", null, null, 0, 0,
        null, null, null), new TurnUsageSoFar(1, 1, 0, 0, 9.0, 9, 9))).await();
    assertThat(turns.get(id, running).await().usage()).extracting(TurnUsageSoFar::inputTokens, TurnUsageSoFar::costUsd).containsExactly(7L, cost);
    assertThat(turns.get(id, finished).await().usage().costUsd()).isEqualTo(cost);
    // its engine stopping with a Claude call cut off: the usage so far goes with its last events, here none (a
    // finished turn's left alone)
    EventRepository log = new EventRepository(db);
    log.append(List.of(), List.of(new TurnProgress(running, new TurnUsageSoFar(12, 5, 0, 0, cost, 2, 1)),
        new TurnProgress(finished, new TurnUsageSoFar(99, 99, 0, 0, 9.0, 9, 9))), stored -> { }).await();
    assertThat(turns.get(id, running).await().usage()).extracting(TurnUsageSoFar::inputTokens, TurnUsageSoFar::llmCalls)
        .containsExactly(12L, 2L);
    assertThat(turns.get(id, finished).await().usage()).extracting(TurnUsageSoFar::inputTokens, TurnUsageSoFar::costUsd)
        .containsExactly(10L, cost);
    ToolCallRepository calls = new ToolCallRepository(db);
    ToolResult result = ToolResult.json(new JsonObject().put("models", new JsonArray().add("a.safetensors")));
    calls.started(List.of(ToolCallRecord.started(id, running, "call-1", "list_models", new JsonObject().put("kind", "checkpoints")),
        ToolCallRecord.started(id, running, "call-2", "upload_image", new JsonObject().put("filename", "a.png")))).await();
    calls.done(ToolCallRecord.done(id, running, "call-1", "list_models", new JsonObject().put("kind", "checkpoints"), result)).await();
    TurnRecovery.RunningTurn left = recovery.runningTurns().await().get(0);
    assertThat(recovery.interrupt(left).await()).isTrue();
    ResumableTurn claimed = recovery.claim(new ResumableTurn.Claim(running, "n3")).await();
    assertThat(claimed.usage().costUsd()).isEqualTo(cost);
    assertThat(claimed.usage().inputTokens()).isEqualTo(12);
    assertThat(claimed.usage().llmCalls()).isEqualTo(2);
    // the one that had started and not finished says so: the resumed turn does not run it blindly again
    assertThat(claimed.calls()).extracting(ToolCallRecord::callId, ToolCallRecord::state)
        .containsExactly(tuple("call-1", "done"), tuple("call-2", "started"));
    assertThat(claimed.calls().get(0).result()).isEqualTo(result.toJson());
    assertThat(claimed.calls().get(0).input()).isEqualTo(new JsonObject().put("kind", "checkpoints"));
    assertThat(sessions.get(id).await().state()).isEqualTo("processing");
    assertThatThrownBy(() -> recovery.claim(new ResumableTurn.Claim(running, "n4")).await())
        .isInstanceOfSatisfying(AgentXException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SESSION_BUSY));
  }

  @OnBothBackends
  @DisplayName("a Claude call's start figures go with the turn's events: recorded on a running turn, never over newer figures or a finished turn, and alone when no event comes")
  void callStartFiguresGoWithTheEvents(Backend backend, Vertx vertx) {
    Database db = open(vertx, TestDatabases.create(backend, dir));
    SessionRepository sessions = new SessionRepository(db);
    TurnRepository turns = new TurnRepository(db);
    EventRepository log = new EventRepository(db);
    EventAppender appender = new EventAppender(log, db.isSqlite() ? 1 : 4, stored -> { });
    String id = newSession(sessions);
    String running = UUID.randomUUID().toString();
    sessions.beginTurn(turn(running, id, "n1")).await();
    io.vertx.core.Context context = vertx.getOrCreateContext();
    java.util.function.Function<java.util.function.Supplier<Future<List<EventRepository.Appended>>>, List<EventRepository.Appended>> onStore =
        append -> {
          io.vertx.core.Promise<List<EventRepository.Appended>> done = io.vertx.core.Promise.promise();
          context.runOnContext(v -> append.get().onComplete(done));
          return done.future().await();
        };

    // the call's start: its input (and the one output token message_start reports) beside the first token
    List<EventRepository.Appended> first = onStore.apply(() -> appender.append(drafts(id, running, "Hel"),
        new TurnProgress(running, new TurnUsageSoFar(25, 1, 0, 0, 0.5, 1, 0))));
    assertThat(first).extracting(EventRepository.Appended::seq).containsExactly(1L);
    assertThat(turns.get(id, running).await().usage()).extracting(TurnUsageSoFar::inputTokens, TurnUsageSoFar::outputTokens,
        TurnUsageSoFar::llmCalls, TurnUsageSoFar::costUsd).containsExactly(25L, 1L, 1L, 0.5);
    // the answer's figures stored with it (newer: its output); a start's figures that come late do not undo them
    sessions.appendMessage(new AppendMessage(new StoredMessage(UUID.randomUUID().toString(), id, running, "assistant", "Hello", null, null,
        25, 40, "tool_use", null, null), new TurnUsageSoFar(25, 40, 0, 0, 0.9, 1, 1))).await();
    onStore.apply(() -> appender.append(drafts(id, running, "late"), new TurnProgress(running, new TurnUsageSoFar(25, 1, 0, 0, 0.5, 1, 0))));
    assertThat(turns.get(id, running).await().usage()).extracting(TurnUsageSoFar::outputTokens, TurnUsageSoFar::costUsd)
        .containsExactly(40L, 0.9);
    // the next call's start, with no event to go with (it thinks first): written alone, no event numbered
    List<EventRepository.Appended> alone = onStore.apply(() -> appender.append(List.of(),
        new TurnProgress(running, new TurnUsageSoFar(90, 41, 0, 0, 1.4, 2, 1))));
    assertThat(alone).isEmpty();
    assertThat(turns.get(id, running).await().usage()).extracting(TurnUsageSoFar::inputTokens, TurnUsageSoFar::llmCalls)
        .containsExactly(90L, 2L);
    assertThat(log.list(new EventQuery(id, 0, 10)).await().events()).hasSize(2);
    // a finished turn's summary is final
    sessions.finishTurn(new FinishTurn(id, "idle", new TurnSummary(running, null, null, 5, "completed", 90, 60, 0, 0, 1.5, 2, 1,
        "end_turn", null, null))).await();
    onStore.apply(() -> appender.append(List.of(), new TurnProgress(running, new TurnUsageSoFar(500, 500, 0, 0, 9.0, 3, 1))));
    assertThat(turns.get(id, running).await().usage()).extracting(TurnUsageSoFar::inputTokens, TurnUsageSoFar::llmCalls)
        .containsExactly(90L, 2L);
  }

  @OnBothBackends
  @DisplayName("the migrations after V1 keep every turn and its cost (then take a NULL cost), and every event, which goes on numbering")
  void upgradeFromV1(Backend backend, Vertx vertx) throws SQLException {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    Flyway.configure().dataSource(testDb.jdbcUrl(), testDb.user(), testDb.password())
        .locations("classpath:db/migration/" + (backend == Backend.SQLITE ? "sqlite" : "postgresql")).target("1").load().migrate();
    Database v1 = Database.open(vertx, DatabaseUrl.parse(testDb.url()));
    opened.add(v1);
    SessionRepository sessions = new SessionRepository(v1);
    String id = newSession(sessions);
    String old = UUID.randomUUID().toString();
    // a turn as the V1 code wrote it (today's code writes columns V1 does not have)
    try (Connection c = testDb.connect();
        PreparedStatement st = c.prepareStatement("INSERT INTO turns (turn_id, session_id, status, engine_node, started_at, cost_usd)"
            + " VALUES (?, ?, 'completed', 'n1', '2026-01-01T00:00:00.000Z', 0.25)")) {
      st.setString(1, old);
      st.setString(2, id);
      st.executeUpdate();
    }
    // events as V1 wrote them (keyed by the session's id, with turn and time columns), of two sessions
    String other = newSession(sessions);
    List<String> v1Envelopes = new ArrayList<>();
    try (Connection c = testDb.connect();
        PreparedStatement st = c.prepareStatement("INSERT INTO events (session_id, seq, turn_id, type, envelope, created_at)"
            + " VALUES (?, ?, ?, 'stream', ?, '2026-01-01T00:00:00.000Z')")) {
      for (String session : List.of(other, id)) {
        for (int seq = 1; seq <= 3; seq++) {
          String envelope = Events.withSeq(Events.draftText("stream", session, old, "v1 " + seq, "text"), seq);
          if (session.equals(id)) {
            v1Envelopes.add(envelope);
          }
          st.setString(1, session);
          st.setLong(2, seq);
          st.setString(3, old);
          st.setString(4, envelope);
          st.executeUpdate();
        }
      }
    }
    try (Connection c = testDb.connect();
        PreparedStatement st = c.prepareStatement("UPDATE turns SET cost_usd = NULL WHERE turn_id = ?")) {
      st.setString(1, old);
      assertThatThrownBy(st::executeUpdate).as("V1 refuses a NULL cost").isInstanceOf(SQLException.class);
    }

    assertThat(vertx.executeBlocking(v1::migrateBlocking).await()).isEqualTo(backend == Backend.SQLITE ? 3 : 4);
    EventRepository events = new EventRepository(v1);
    assertThat(events.list(new EventQuery(id, 0, 10)).await().events().stream().map(e -> ((JsonObject) e).encode()).toList())
        .as("the events copied whole").isEqualTo(v1Envelopes.stream().map(e -> new JsonObject(e).encode()).toList());
    assertThat(testDb.eventSeqs(other)).containsExactly(1L, 2L, 3L);
    assertThat(events.append(drafts(id, old, "after the upgrade")).await().get(0).seq()).isEqualTo(4);
    String later = newSession(sessions);
    events.append(drafts(later, old, "new")).await();
    assertThat(testDb.eventSeqs(later)).containsExactly(1L);
    assertThat(testDb.queryLong("SELECT COUNT(DISTINCT session_key) FROM sessions")).as("a key each").isEqualTo(3);
    assertThat(testDb.query("SELECT status, turn_id FROM turns WHERE session_id = ?", id)).containsExactly(List.of("completed", old));
    assertThat(((Number) testDb.query("SELECT cost_usd FROM turns WHERE turn_id = ?", old).get(0).get(0)).doubleValue()).isEqualTo(0.25);
    String unpriced = UUID.randomUUID().toString();
    sessions.beginTurn(turn(unpriced, id, "n1")).await();
    sessions.finishTurn(new FinishTurn(id, "idle", new TurnSummary(unpriced, null, null, 5, "completed", 1, 1, 0, 0, null, 1, 0,
        "end_turn", null, null))).await();
    assertThat(testDb.query("SELECT cost_usd FROM turns WHERE turn_id = ?", unpriced)).containsExactly(Arrays.asList((Object) null));
    // the rebuilt table still belongs to its session: deleting the session takes its turns along
    sessions.delete(id).await();
    assertThat(testDb.queryLong("SELECT COUNT(*) FROM turns WHERE session_id = ?", id)).isZero();
  }

  @OnBothBackends
  @DisplayName("migrations: the schema on an empty database, nothing on a migrated one, and the data is still there")
  void migrations(Backend backend, Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    Database first = Database.open(vertx, DatabaseUrl.parse(testDb.url()));
    opened.add(first);
    // PostgreSQL has one more: its events table without the foreign key (V4); then both key the events by an integer
    assertThat(vertx.executeBlocking(first::migrateBlocking).await()).isEqualTo(backend == Backend.SQLITE ? 4 : 5);
    String id = create(new SessionRepository(first), null, "kept", new JsonObject()).sessionId();
    Database again = Database.open(vertx, DatabaseUrl.parse(testDb.url()));
    opened.add(again);
    assertThat(vertx.executeBlocking(again::migrateBlocking).await()).isZero();
    assertThat(new SessionRepository(again).get(id).await().title()).isEqualTo("kept");
    assertThat(testDb.tables()).contains("sessions", "messages", "turns", "events", "workflows", "tool_calls");
  }

  @Test
  @DisplayName("two store nodes on one PostgreSQL database number events and workflow versions without gaps or duplicates")
  void twoStoresShareOnePostgres(Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(Backend.POSTGRESQL, dir);
    Database a = open(vertx, testDb);
    Database b = open(vertx, testDb);
    String id = newSession(new SessionRepository(a));
    List<Future<?>> writes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Database db = i % 2 == 0 ? a : b;
      writes.add(new EventRepository(db).append(drafts(id, "t", "x" + i)));
      writes.add(new WorkflowRepository(db).save(id, "{}", "v" + i, null));
      writes.add(new SessionRepository(db).appendMessage(message(id, "user", "m" + i)));
    }
    Future.all(writes).await();
    assertThat(testDb.eventSeqs(id))
        .isEqualTo(oneTo(40));
    assertThat(testDb.query("SELECT version FROM workflows WHERE session_id = ? ORDER BY version", id).stream()
        .map(r -> ((Number) r.get(0)).longValue())).isEqualTo(oneTo(40));
    assertThat(testDb.query("SELECT position FROM messages WHERE session_id = ? ORDER BY position", id).stream()
        .map(r -> ((Number) r.get(0)).longValue())).isEqualTo(oneTo(40));
  }

  @Test
  @DisplayName("SQLite: a write that reads first waits while another connection holds the write lock, then succeeds (no SQLITE_BUSY on the upgrade)")
  void sqliteWritesWaitForAnotherWriter(Vertx vertx) throws Exception {
    withSession(Backend.SQLITE, vertx);
    // another process's writer (a backup, a sqlite3 shell, a reader briefly re-reading a changing log
    // index) holds the write lock for a moment
    try (Connection other = DriverManager.getConnection(testDb.jdbcUrl())) {
      try (var st = other.createStatement()) {
        st.execute("BEGIN IMMEDIATE");
        st.execute("UPDATE sessions SET title = 'held' WHERE session_id = '" + id + "'");
      }
      // a turn start: it reads the session's row first, then writes; and the appends' own transaction
      Future<Void> message = sessions.appendMessage(message(id, "user", "while held"));
      Future<?> append = new EventRepository(db).append(drafts(id, "t", "while held"));
      Thread.sleep(300);
      assertThat(message.isComplete()).as("the message write waits for the lock").isFalse();
      try (var st = other.createStatement()) {
        st.execute("COMMIT");
      }
      message.await();
      append.await();
    }
    assertThat(testDb.query("SELECT count(*) FROM messages WHERE session_id = ?", id).get(0).get(0)).isEqualTo(1);
    assertThat(new EventRepository(db).list(new EventQuery(id, 0, 10)).await().events()).hasSize(1);
  }
}
