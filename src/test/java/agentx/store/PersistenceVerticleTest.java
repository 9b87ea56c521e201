package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.config.DatabaseUrl;
import agentx.protocol.Addresses;
import agentx.protocol.Bus;
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
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The store verticle over the bus, on SQLite and on PostgreSQL. */
@ExtendWith(VertxExtension.class)
class PersistenceVerticleTest {
  @TempDir Path dir;

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
    assertThat(vertx.executeBlocking(db::migrateBlocking).await()).isEqualTo(1);
    assertThat(vertx.executeBlocking(db::migrateBlocking).await()).isZero();
    db.close().await();
    assertThat(testDb.tables()).contains("sessions", "messages", "turns", "events", "workflows");
  }

  @OnBothBackends
  @DisplayName("sessions survive a redeploy of the store on the same database")
  void survivesRedeploy(Backend backend, Vertx vertx) {
    TestDatabase db = TestDatabases.create(backend, dir);
    String deployment = vertx.deployVerticle(new PersistenceVerticle(), options(db)).await();
    JsonObject created = Bus.request(vertx, Addresses.STORE_SESSION_CREATE,
        new JsonObject().put("title", "kept").put("config", new JsonObject())).await();
    vertx.undeploy(deployment).await();
    vertx.deployVerticle(new PersistenceVerticle(), options(db)).await();
    JsonObject again = Bus.request(vertx, Addresses.STORE_SESSION_GET,
        new JsonObject().put("session_id", created.getString("session_id"))).await();
    assertThat(again.getString("title")).isEqualTo("kept");
    JsonObject health = Bus.request(vertx, Addresses.STORE_HEALTH, new JsonObject()).await();
    assertThat(health.getString("database")).isEqualTo(backend.name().toLowerCase());
  }

  @OnBothBackends
  @DisplayName("deleting a session removes its messages, turns, events and workflows")
  void deleteRemovesEverything(Backend backend, Vertx vertx) {
    TestDatabase db = TestDatabases.create(backend, dir);
    vertx.deployVerticle(new PersistenceVerticle(), options(db)).await();
    String id = Bus.request(vertx, Addresses.STORE_SESSION_CREATE, new JsonObject().put("config", new JsonObject())).await()
        .getString("session_id");
    String turnId = UUID.randomUUID().toString();
    String messageId = UUID.randomUUID().toString();
    Bus.request(vertx, Addresses.STORE_MESSAGE_APPEND, new JsonObject().put("message_id", messageId).put("session_id", id)
        .put("turn_id", turnId).put("role", "user").put("content", "hi")
        .put("blocks", new JsonArray().add(new JsonObject().put("type", "text").put("text", "hi")))).await();
    Bus.request(vertx, Addresses.STORE_TURN_BEGIN, new JsonObject().put("turn_id", turnId).put("session_id", id)
        .put("user_message_id", messageId)).await();
    Bus.request(vertx, Addresses.STORE_EVENT_APPEND, new JsonObject().put("events", new JsonArray()
        .add(Events.envelope(Events.STATE, id, turnId, 1, Events.state("thinking"))))).await();
    Bus.request(vertx, Addresses.STORE_WORKFLOW_SAVE, new JsonObject().put("session_id", id)
        .put("workflow_json", "{\"1\":{\"class_type\":\"X\",\"inputs\":{}}}").put("description", "d")).await();
    for (String table : new String[] {"sessions", "messages", "turns", "events", "workflows"}) {
      assertThat(count(db, table, id)).as(table).isEqualTo(1);
    }
    Bus.request(vertx, Addresses.STORE_SESSION_DELETE, new JsonObject().put("session_id", id)).await();
    for (String table : new String[] {"sessions", "messages", "turns", "events", "workflows"}) {
      assertThat(count(db, table, id)).as(table).isZero();
    }
  }

  @OnBothBackends
  @DisplayName("a turn left running by a crash is closed as failed at start, with state error and turn events")
  void recoversInterruptedTurns(Backend backend, Vertx vertx) {
    TestDatabase db = TestDatabases.create(backend, dir);
    String deployment = vertx.deployVerticle(new PersistenceVerticle(), options(db)).await();
    String id = Bus.request(vertx, Addresses.STORE_SESSION_CREATE, new JsonObject().put("config", new JsonObject())).await()
        .getString("session_id");
    String turnId = UUID.randomUUID().toString();
    Bus.request(vertx, Addresses.STORE_TURN_BEGIN, new JsonObject().put("turn_id", turnId).put("session_id", id)).await();
    Bus.request(vertx, Addresses.STORE_EVENT_APPEND, new JsonObject().put("events", new JsonArray()
        .add(Events.envelope(Events.STATE, id, turnId, 1, Events.state("thinking"))))).await();
    assertThat(Bus.request(vertx, Addresses.STORE_SESSION_GET, new JsonObject().put("session_id", id)).await().getString("state"))
        .isEqualTo("processing");
    vertx.undeploy(deployment).await();

    DeploymentOptions recovering = options(db);
    recovering.getConfig().put(PersistenceVerticle.RECOVER_TURNS, true);
    vertx.deployVerticle(new PersistenceVerticle(), recovering).await();
    assertThat(Bus.request(vertx, Addresses.STORE_SESSION_GET, new JsonObject().put("session_id", id)).await().getString("state"))
        .isEqualTo("idle");
    JsonArray events = Bus.request(vertx, Addresses.STORE_EVENT_LIST, new JsonObject().put("session_id", id).put("after", 0)).await()
        .getJsonArray("events");
    assertThat(events).hasSize(3);
    assertThat(events.getJsonObject(1).getJsonObject("data").getString("state")).isEqualTo("error");
    assertThat(events.getJsonObject(2).getString("type")).isEqualTo("turn");
    assertThat(events.getJsonObject(2).getLong("seq")).isEqualTo(3);
    assertThat(events.getJsonObject(2).getJsonObject("data").getString("status")).isEqualTo("failed");
    assertThat(db.queryLong("SELECT COUNT(*) FROM turns WHERE turn_id = ? AND status = 'failed'", turnId)).isEqualTo(1);
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
    String id = Bus.request(vertx, Addresses.STORE_SESSION_CREATE, new JsonObject().put("config", new JsonObject())).await()
        .getString("session_id");
    assertThat(count(db, "sessions", id)).isEqualTo(1);
    assertThat(DatabaseUrl.parse(jdbc).toString()).doesNotContain(db.password());
  }
}
