package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.config.DatabaseUrl;
import agentx.events.Addresses;
import agentx.events.Bus;
import agentx.events.Events;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class PersistenceVerticleTest {
  @TempDir Path dir;

  private String jdbcUrl() {
    return "jdbc:sqlite:" + dir.resolve("store.db");
  }

  private DeploymentOptions options() {
    return new DeploymentOptions().setConfig(AgentXConfig.from(new JsonObject().put(AgentXConfig.DATABASE_URL, jdbcUrl())).toJson());
  }

  private long count(String table, String sessionId) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl());
         ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM " + table + " WHERE session_id = '" + sessionId + "'")) {
      return rs.getLong(1);
    }
  }

  @Test
  @DisplayName("migrations create the schema on an empty file and are a no-op on a migrated one")
  void migrations(Vertx vertx) throws Exception {
    Database db = Database.open(vertx, DatabaseUrl.parse(jdbcUrl()));
    assertThat(vertx.executeBlocking(db::migrateBlocking).await()).isEqualTo(1);
    assertThat(vertx.executeBlocking(db::migrateBlocking).await()).isZero();
    db.close().await();
    try (Connection c = DriverManager.getConnection(jdbcUrl());
         ResultSet rs = c.createStatement().executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
      var names = new java.util.ArrayList<String>();
      while (rs.next()) {
        names.add(rs.getString(1));
      }
      assertThat(names).contains("sessions", "messages", "turns", "events", "workflows");
    }
  }

  @Test
  @DisplayName("sessions survive a redeploy of the store on the same database file")
  void survivesRedeploy(Vertx vertx) {
    String deployment = vertx.deployVerticle(new PersistenceVerticle(), options()).await();
    JsonObject created = Bus.request(vertx, Addresses.STORE_SESSION_CREATE,
        new JsonObject().put("title", "kept").put("config", new JsonObject())).await();
    vertx.undeploy(deployment).await();
    vertx.deployVerticle(new PersistenceVerticle(), options()).await();
    JsonObject again = Bus.request(vertx, Addresses.STORE_SESSION_GET,
        new JsonObject().put("session_id", created.getString("session_id"))).await();
    assertThat(again.getString("title")).isEqualTo("kept");
  }

  @Test
  @DisplayName("deleting a session removes its messages, turns, events and workflows")
  void deleteRemovesEverything(Vertx vertx) throws Exception {
    vertx.deployVerticle(new PersistenceVerticle(), options()).await();
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
      assertThat(count(table, id)).as(table).isEqualTo(1);
    }
    Bus.request(vertx, Addresses.STORE_SESSION_DELETE, new JsonObject().put("session_id", id)).await();
    for (String table : new String[] {"sessions", "messages", "turns", "events", "workflows"}) {
      assertThat(count(table, id)).as(table).isZero();
    }
  }

  @Test
  @DisplayName("a turn left running by a crash is closed as failed at start, with state error and turn events")
  void recoversInterruptedTurns(Vertx vertx) {
    String deployment = vertx.deployVerticle(new PersistenceVerticle(), options()).await();
    String id = Bus.request(vertx, Addresses.STORE_SESSION_CREATE, new JsonObject().put("config", new JsonObject())).await()
        .getString("session_id");
    String turnId = UUID.randomUUID().toString();
    Bus.request(vertx, Addresses.STORE_TURN_BEGIN, new JsonObject().put("turn_id", turnId).put("session_id", id)).await();
    Bus.request(vertx, Addresses.STORE_EVENT_APPEND, new JsonObject().put("events", new JsonArray()
        .add(Events.envelope(Events.STATE, id, turnId, 1, Events.state("thinking"))))).await();
    assertThat(Bus.request(vertx, Addresses.STORE_SESSION_GET, new JsonObject().put("session_id", id)).await().getString("state"))
        .isEqualTo("processing");
    vertx.undeploy(deployment).await();

    DeploymentOptions recovering = options();
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
  }
}
