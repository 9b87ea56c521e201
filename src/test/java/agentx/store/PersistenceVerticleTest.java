package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.config.DatabaseUrl;
import agentx.protocol.AppendEvents;
import agentx.protocol.BeginTurn;
import agentx.protocol.BusyTurn;
import agentx.protocol.CreateSession;
import agentx.protocol.EventQuery;
import agentx.protocol.QueuedTurn;
import agentx.protocol.SaveWorkflow;
import agentx.protocol.Session;
import agentx.protocol.StoreClient;
import agentx.protocol.StoredMessage;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.testing.OnBothBackends;
import agentx.testing.TestDatabases;
import agentx.testing.TestDatabases.Backend;
import agentx.testing.TestDatabases.TestDatabase;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The store verticle over the bus, on SQLite and on PostgreSQL. */
@ExtendWith(VertxExtension.class)
class PersistenceVerticleTest {
  @TempDir Path dir;
  /** Set by {@link #storeWithSession}: the database, the store's deployment, a client, one session. */
  private TestDatabase db;
  private String deployment;
  private StoreClient store;
  private String id;

  /** A store deployed on a fresh database of {@code backend}, with one session. */
  private void storeWithSession(Backend backend, Vertx vertx) {
    db = TestDatabases.create(backend, dir);
    deployment = vertx.deployVerticle(new PersistenceVerticle(), options(db)).await();
    store = new StoreClient(vertx);
    id = store.createSession(new CreateSession(null, null, new JsonObject())).await().sessionId();
  }

  private static DeploymentOptions options(TestDatabase db) {
    return new DeploymentOptions().setConfig(AgentXConfig.from(new JsonObject().put(AgentXConfig.DATABASE_URL, db.url())).toJson());
  }

  private static long count(TestDatabase db, String table, String sessionId) {
    return db.queryLong("SELECT COUNT(*) FROM " + table + " WHERE session_id = ?", sessionId);
  }

  @OnBothBackends
  @DisplayName("migrations create the schema on an empty database and are a no-op on a migrated one")
  void migrations(Backend backend, Vertx vertx) {
    TestDatabase testDb = TestDatabases.create(backend, dir);
    assertThat(testDb.tables()).doesNotContain("sessions");
    Database db = Database.open(vertx, DatabaseUrl.parse(testDb.url()));
    assertThat(vertx.executeBlocking(db::migrateBlocking).await()).isEqualTo(backend == Backend.SQLITE ? 4 : 5); // PostgreSQL's V4
    assertThat(vertx.executeBlocking(db::migrateBlocking).await()).isZero();
    db.close().await();
    assertThat(testDb.tables()).contains("sessions", "messages", "turns", "events", "workflows");
  }

  @OnBothBackends
  @DisplayName("sessions survive a redeploy of the store on the same database")
  void survivesRedeploy(Backend backend, Vertx vertx) {
    TestDatabase db = TestDatabases.create(backend, dir);
    String deployment = vertx.deployVerticle(new PersistenceVerticle(), options(db)).await();
    StoreClient store = new StoreClient(vertx);
    Session created = store.createSession(new CreateSession(null, "kept", new JsonObject())).await();
    vertx.undeploy(deployment).await();
    vertx.deployVerticle(new PersistenceVerticle(), options(db)).await();
    assertThat(store.session(created.sessionId()).await().title()).isEqualTo("kept");
    assertThat(store.health(2_000).await().database()).isEqualTo(backend.name().toLowerCase());
  }

  @OnBothBackends
  @DisplayName("deleting a session removes its messages, turns, events and workflows")
  void deleteRemovesEverything(Backend backend, Vertx vertx) {
    storeWithSession(backend, vertx);
    String turnId = UUID.randomUUID().toString();
    store.beginTurn(new BeginTurn(turnId, id, "node", userMessage(id, turnId))).await();
    store.appendEvents(new AppendEvents(List.of(Events.draft(Events.STATE, id, turnId, Events.state("thinking"))))).await();
    store.saveWorkflow(new SaveWorkflow(id, "{\"1\":{\"class_type\":\"X\",\"inputs\":{}}}", "d", null, SaveWorkflow.USER, null, null))
        .await();
    long key = db.queryLong(Sql.SESSION_KEY, id); // the events' name for the session
    for (String table : new String[] {"sessions", "messages", "turns", "workflows"}) {
      assertThat(count(db, table, id)).as(table).isPositive();
    }
    assertThat(db.queryLong("SELECT COUNT(*) FROM events WHERE session_key = ?", key)).as("events").isPositive();
    store.deleteSession(id).await();
    for (String table : new String[] {"sessions", "messages", "turns", "workflows"}) {
      assertThat(count(db, table, id)).as(table).isZero();
    }
    assertThat(db.queryLong("SELECT COUNT(*) FROM events WHERE session_key = ?", key)).as("events").isZero();
  }

  @OnBothBackends
  @DisplayName("AGENTX_RESUME_TURNS=false: a turn left running by a crash is closed as failed at start, with state error and turn events")
  void recoversInterruptedTurns(Backend backend, Vertx vertx) {
    storeWithSession(backend, vertx);
    String turnId = UUID.randomUUID().toString();
    store.beginTurn(new BeginTurn(turnId, id, "node", userMessage(id, turnId))).await();
    store.appendEvents(new AppendEvents(List.of(Events.draft(Events.STATE, id, turnId, Events.state("thinking"))))).await();
    assertThat(store.session(id).await().state()).isEqualTo("processing");
    vertx.undeploy(deployment).await();

    DeploymentOptions recovering = options(db);
    recovering.getConfig().put(PersistenceVerticle.RECOVER_TURNS, true).put(AgentXConfig.RESUME_TURNS, false);
    vertx.deployVerticle(new PersistenceVerticle(), recovering).await();
    assertThat(store.session(id).await().state()).isEqualTo("idle");
    JsonArray events = store.events(new EventQuery(id, 0, 100)).await().events();
    assertThat(events).hasSize(3);
    assertThat(events.getJsonObject(1).getJsonObject("data").getString("state")).isEqualTo("error");
    assertThat(events.getJsonObject(2).getString("type")).isEqualTo("turn");
    assertThat(events.getJsonObject(2).getLong("seq")).isEqualTo(3);
    assertThat(events.getJsonObject(2).getJsonObject("data").getString("status")).isEqualTo("failed");
    assertThat(db.queryLong("SELECT COUNT(*) FROM turns WHERE turn_id = ? AND status = 'failed'", turnId)).isEqualTo(1);
  }

  @OnBothBackends
  @DisplayName("a queued turn is a row before it starts: its start takes the row over once, a dropped one cannot start, one left by a dead engine is failed at start")
  void queuedTurns(Backend backend, Vertx vertx) {
    storeWithSession(backend, vertx);
    String left = UUID.randomUUID().toString();
    String started = UUID.randomUUID().toString();
    String dropped = UUID.randomUUID().toString();
    for (String turnId : List.of(left, started, dropped)) {
      store.queueTurn(QueuedTurn.accepted(id, turnId, "node")).await();
      assertThat(store.turn(id, turnId).await().status()).isEqualTo("queued");
    }
    assertThat(store.queueTurn(QueuedTurn.accepted(UUID.randomUUID().toString(), UUID.randomUUID().toString(), "node"))
        .map("queued").otherwise(e -> ErrorCode.of(e).name()).await()).isEqualTo("SESSION_NOT_FOUND");

    store.beginTurn(new BeginTurn(started, id, "node", userMessage(id, started), null, true)).await();
    assertThat(store.turn(id, started).await().status()).isEqualTo("running");
    assertThat(store.turn(id, started).await().userMessageId()).isNotNull();
    assertThat(store.beginTurn(new BeginTurn(started, id, "node", userMessage(id, started), null, true))
        .map("began").otherwise(e -> ErrorCode.of(e).name()).await()).as("a queued row starts once").isEqualTo("TURN_NOT_FOUND");

    store.unqueueTurn(QueuedTurn.dropped(id, dropped, "TIMEOUT", "The session stayed busy with earlier turns for too long.")).await();
    assertThat(store.turn(id, dropped).await().status()).isEqualTo("failed");
    long messages = count(db, "messages", id);
    assertThat(store.beginTurn(new BeginTurn(dropped, id, "node", userMessage(id, dropped), null, true))
        .map("began").otherwise(e -> ErrorCode.of(e).name()).await()).isEqualTo("TURN_NOT_FOUND");
    assertThat(count(db, "messages", id)).as("the refused start stored no message").isEqualTo(messages);

    vertx.undeploy(deployment).await();
    DeploymentOptions recovering = options(db);
    recovering.getConfig().put(PersistenceVerticle.RECOVER_TURNS, true);
    vertx.deployVerticle(new PersistenceVerticle(), recovering).await();
    assertThat(store.turn(id, left).await().status()).isEqualTo("failed");
    assertThat(store.turn(id, left).await().errorMessage()).contains("queued turn", "Send it again");
    JsonArray events = store.events(new EventQuery(id, 0, 100)).await().events();
    List<String> failedTurns = events.stream().map(e -> (JsonObject) e).filter(e -> "turn".equals(e.getString("type")))
        .map(e -> e.getJsonObject("data")).filter(d -> "failed".equals(d.getString("status"))).map(d -> d.getString("turn_id")).toList();
    assertThat(failedTurns).as("each closed queued turn has its turn event").containsExactly(dropped, left);
    assertThat(events.stream().map(e -> (JsonObject) e).filter(e -> "state".equals(e.getString("type")))
        .filter(e -> left.equals(e.getString("turn_id")) || dropped.equals(e.getString("turn_id"))).count())
        .as("no state event: the session's state belongs to its running turn").isZero();
  }

  @OnBothBackends
  @DisplayName("one running turn per session: a second start is refused SESSION_BUSY naming the running turn and stores nothing;"
      + " its own engine node can close it as abandoned, another node cannot")
  void oneRunningTurnPerSession(Backend backend, Vertx vertx) {
    storeWithSession(backend, vertx);
    String first = UUID.randomUUID().toString();
    String second = UUID.randomUUID().toString();
    store.beginTurn(new BeginTurn(first, id, "node-a", userMessage(id, first))).await();

    // what a second grant of a cluster's session lock, or a close the store failed to record, leads to
    Throwable refused = store.beginTurn(new BeginTurn(second, id, "node-b", userMessage(id, second)))
        .<Throwable>transform(ar -> Future.succeededFuture(ar.cause())).await();
    assertThat(ErrorCode.of(refused)).isEqualTo(ErrorCode.SESSION_BUSY);
    assertThat(BusyTurn.of(refused)).isEqualTo(new BusyTurn(id, first, "node-a"));
    assertThat(count(db, "messages", id)).as("the refused start stored no message").isEqualTo(1);
    assertThat(count(db, "turns", id)).isEqualTo(1);
    // a queued turn waits as a row; its start is refused the same way while the other runs
    store.queueTurn(QueuedTurn.accepted(id, second, "node-b")).await();
    assertThat(BusyTurn.of(store.beginTurn(new BeginTurn(second, id, "node-b", userMessage(id, second), null, true))
        .<Throwable>transform(ar -> Future.succeededFuture(ar.cause())).await())).isEqualTo(new BusyTurn(id, first, "node-a"));
    assertThat(store.turn(id, second).await().status()).isEqualTo("queued");

    store.abandonTurn(new BusyTurn(id, first, "node-b")).await();
    assertThat(store.turn(id, first).await().status()).as("only the turn's own engine node abandons it").isEqualTo("running");
    store.abandonTurn(new BusyTurn(id, first, "node-a")).await();
    assertThat(store.turn(id, first).await().status()).isEqualTo("failed");
    assertThat(store.turn(id, first).await().errorCode()).isEqualTo("INTERNAL");
    JsonArray events = store.events(new EventQuery(id, 0, 100)).await().events();
    assertThat(events.stream().map(e -> ((JsonObject) e).getString("type")).toList()).containsExactly("state", "turn");

    store.beginTurn(new BeginTurn(second, id, "node-b", userMessage(id, second), null, true)).await();
    assertThat(store.turn(id, second).await().status()).isEqualTo("running");
    assertThat(count(db, "messages", id)).isEqualTo(2);
  }

  @OnBothBackends
  @DisplayName("a turn left running by a crash is marked interrupted at start and offered to the engines; exactly one claim wins")
  void offersInterruptedTurns(Backend backend, Vertx vertx) {
    storeWithSession(backend, vertx);
    String turnId = UUID.randomUUID().toString();
    store.beginTurn(new BeginTurn(turnId, id, "node", userMessage(id, turnId), "the turn's own system prompt")).await();
    vertx.undeploy(deployment).await();

    List<String> offered = new java.util.concurrent.CopyOnWriteArrayList<>();
    vertx.eventBus().<JsonObject>consumer(agentx.protocol.Addresses.ENGINE_TURN_RESUMABLE,
            m -> offered.add(m.body().getString("turn_id") + "@" + m.body().getString("session_id")))
        .completion().await();
    DeploymentOptions recovering = options(db);
    recovering.getConfig().put(PersistenceVerticle.RECOVER_TURNS, true);
    vertx.deployVerticle(new PersistenceVerticle(), recovering).await();
    assertThat(offered).containsExactly(turnId + "@" + id);
    assertThat(db.queryLong("SELECT COUNT(*) FROM turns WHERE turn_id = ? AND status = 'interrupted'", turnId)).isEqualTo(1);
    assertThat(store.resumableTurns().await()).containsExactly(new agentx.protocol.ResumableTurn.Offer(turnId, id));
    assertThat(store.events(new EventQuery(id, 0, 100)).await().events()).as("nothing is closed: the turn goes on").isEmpty();

    List<io.vertx.core.Future<agentx.protocol.ResumableTurn>> claims = List.of(
        store.claimTurn(new agentx.protocol.ResumableTurn.Claim(turnId, "engine-a")),
        store.claimTurn(new agentx.protocol.ResumableTurn.Claim(turnId, "engine-b")));
    io.vertx.core.Future.join(claims).otherwiseEmpty().await();
    assertThat(claims.stream().filter(io.vertx.core.Future::succeeded)).hasSize(1);
    agentx.protocol.ResumableTurn won = claims.stream().filter(io.vertx.core.Future::succeeded).findFirst().orElseThrow().result();
    assertThat(won.system()).isEqualTo("the turn's own system prompt");
    assertThat(won.interruptions()).isEqualTo(1);
    assertThat(won.sessionId()).isEqualTo(id);
    assertThat(agentx.events.ErrorCode.of(claims.stream().filter(io.vertx.core.Future::failed).findFirst().orElseThrow().cause()))
        .isEqualTo(agentx.events.ErrorCode.SESSION_BUSY);
    assertThat(db.queryLong("SELECT COUNT(*) FROM turns WHERE turn_id = ? AND status = 'running'", turnId)).isEqualTo(1);
    assertThat(store.resumableTurns().await()).isEmpty();
  }

  @Test
  @DisplayName("a store told it shares its database with other store nodes will not start on SQLite, and says why")
  void sharedStoreRefusesSqlite(Vertx vertx) {
    TestDatabase db = TestDatabases.create(Backend.SQLITE, dir);
    DeploymentOptions shared = options(db);
    shared.getConfig().put(AgentXConfig.STORE_SHARED, true);
    Throwable refused = vertx.deployVerticle(new PersistenceVerticle(), shared)
        .<Throwable>transform(ar -> Future.succeededFuture(ar.cause())).await();
    assertThat(refused).isNotNull();
    assertThat(refused.getMessage()).contains("SQLite is a single-writer file local to one machine").contains("use PostgreSQL");
    assertThat(db.tables()).as("it refused before touching the file").isEmpty();
  }

  @Test
  @DisplayName("a store that shares its PostgreSQL database starts")
  void sharedStoreAcceptsPostgres(Vertx vertx) {
    TestDatabase db = TestDatabases.create(Backend.POSTGRESQL, dir);
    DeploymentOptions shared = options(db);
    shared.getConfig().put(AgentXConfig.STORE_SHARED, true);
    vertx.deployVerticle(new PersistenceVerticle(), shared).await();
    assertThat(db.tables()).contains("sessions");
  }

  @Test
  @DisplayName("a jdbc:postgresql URL with user and password parameters works as well as the postgresql:// form")
  void jdbcPostgresUrl(Vertx vertx) {
    TestDatabase db = TestDatabases.create(Backend.POSTGRESQL, dir);
    String jdbc = db.jdbcUrl() + "?user=" + db.user() + "&password=" + db.password();
    vertx.deployVerticle(new PersistenceVerticle(), new DeploymentOptions()
        .setConfig(AgentXConfig.from(new JsonObject().put(AgentXConfig.DATABASE_URL, jdbc)).toJson())).await();
    String id = new StoreClient(vertx).createSession(new CreateSession(null, null, new JsonObject())).await().sessionId();
    assertThat(count(db, "sessions", id)).isEqualTo(1);
    assertThat(DatabaseUrl.parse(jdbc).toString()).doesNotContain(db.password());
  }

  static StoredMessage userMessage(String sessionId, String turnId) {
    return new StoredMessage(UUID.randomUUID().toString(), sessionId, turnId, "user", "hi",
        new JsonArray().add(new JsonObject().put("type", "text").put("text", "hi")), null, 0, 0, null, null, null);
  }
}
