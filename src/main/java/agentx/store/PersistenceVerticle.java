package agentx.store;

import agentx.config.AgentXConfig;
import agentx.protocol.Addresses;
import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the database: runs the migrations at start (off the event loop), then answers the
 * {@code agentx.store.*} addresses. Nothing else in the runtime touches SQL.
 */
public class PersistenceVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PersistenceVerticle.class);

  /** Deployment config flag: close turns a crash left running (single-node deployments). */
  public static final String RECOVER_TURNS = "agentx.store.recover_turns";

  private Database db;
  private SessionRepository sessions;
  private EventRepository events;
  private WorkflowRepository workflows;
  private final List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();

  @Override
  public Future<?> start() {
    AgentXConfig config = AgentXConfig.from(config());
    try {
      db = Database.open(vertx, config.storeDatabase());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    sessions = new SessionRepository(db);
    events = new EventRepository(db);
    workflows = new WorkflowRepository(db);
    return vertx.executeBlocking(db::migrateBlocking)
        .compose(applied -> config().getBoolean(RECOVER_TURNS, false) ? recoverInterruptedTurns() : Future.succeededFuture())
        .compose(v -> registerConsumers())
        .onSuccess(v -> EngineWatch.start(vertx, this::failTurnsOfNodes));
  }

  @Override
  public Future<?> stop() {
    return db == null ? Future.succeededFuture() : db.close();
  }

  private Future<Void> registerConsumers() {
    serve(Addresses.STORE_SESSION_CREATE, b -> sessions.create(b.getString("user_id"), b.getString("title"),
        b.getJsonObject("config", new JsonObject())));
    serve(Addresses.STORE_SESSION_GET, b -> sessions.get(b.getString("session_id")));
    serve(Addresses.STORE_SESSION_LIST, b -> sessions.list(b.getString("user_id"), b.getInteger("limit"), b.getInteger("offset")));
    serve(Addresses.STORE_SESSION_UPDATE, b -> sessions.update(b.getString("session_id"), b.getJsonObject("changes")));
    serve(Addresses.STORE_SESSION_DELETE, b -> sessions.delete(b.getString("session_id")).map(v -> new JsonObject().put("deleted", true)));
    serve(Addresses.STORE_SESSION_SET_STATE, b -> sessions.setState(b.getString("session_id"), b.getString("state")).map(v -> new JsonObject()));
    serve(Addresses.STORE_MESSAGE_APPEND, sessions::appendMessage);
    serve(Addresses.STORE_MESSAGE_LIST, b -> sessions.listMessages(b.getString("session_id"), b.getInteger("limit"), b.getInteger("offset")));
    serve(Addresses.STORE_HISTORY, b -> sessions.history(b.getString("session_id")).map(h -> new JsonObject().put("messages", h)));
    serve(Addresses.STORE_TURN_BEGIN, b -> sessions.beginTurn(b).map(v -> new JsonObject()));
    serve(Addresses.STORE_TURN_FINISH, b -> sessions.finishTurn(b).map(v -> new JsonObject()));
    serve(Addresses.STORE_EVENT_APPEND, b -> events.append(b.getJsonArray("events"))
        .map(stored -> new JsonObject().put("count", stored.size()).put("seqs", seqs(stored))));
    serve(Addresses.STORE_EVENT_LIST, b -> events.list(b.getString("session_id"), b.getLong("after", 0L), b.getInteger("limit", 1000)));
    serve(Addresses.STORE_EVENT_LAST_SEQ, b -> events.lastSeq(b.getString("session_id")).map(seq -> new JsonObject().put("seq", seq)));
    serve(Addresses.STORE_WORKFLOW_SAVE, b -> sessions.get(b.getString("session_id"))
        .compose(s -> workflows.save(b.getString("session_id"), b.getString("workflow_json"), b.getString("description"),
            b.getLong("base_version"))));
    serve(Addresses.STORE_WORKFLOW_GET, b -> sessions.get(b.getString("session_id"))
        .compose(s -> b.containsKey("version")
            ? workflows.version(b.getString("session_id"), b.getLong("version"))
            : workflows.current(b.getString("session_id")))
        .map(w -> new JsonObject().put("workflow", w)));
    serve(Addresses.STORE_WORKFLOW_VERSIONS, b -> sessions.get(b.getString("session_id"))
        .compose(s -> workflows.versions(b.getString("session_id")))
        .map(v -> new JsonObject().put("versions", v)));
    serve(Addresses.STORE_HEALTH, b -> db.reads().query("SELECT 1").execute()
        .map(r -> new JsonObject().put("status", "up").put("database", db.dialect().label())));
    return Future.all(consumers.stream().map(MessageConsumer::completion).toList()).mapEmpty();
  }

  private static JsonArray seqs(JsonArray envelopes) {
    JsonArray out = new JsonArray();
    envelopes.forEach(e -> out.add(((JsonObject) e).getLong("seq")));
    return out;
  }

  /** One consumer per address; any failure goes back with its code, never a stack trace. */
  private void serve(String address, Function<JsonObject, Future<JsonObject>> handler) {
    consumers.add(vertx.eventBus().<JsonObject>consumer(address, message -> {
      Future<JsonObject> answer;
      try {
        answer = handler.apply(message.body() == null ? new JsonObject() : message.body());
      } catch (RuntimeException e) {
        answer = Future.failedFuture(e);
      }
      answer.onSuccess(message::reply).onFailure(failure -> {
        if (!(failure instanceof AgentXException)) {
          log.error("Store request on {} failed", address, failure);
        }
        AgentXException.failReply(message, failure);
      });
    }));
  }

  /**
   * A crash or kill -9 can leave turns marked running and sessions stuck in processing. Close each
   * such turn as failed, with the {@code state error} and {@code turn} events a client would have
   * seen, so no session stays processing.
   */
  private Future<Void> recoverInterruptedTurns() {
    return failRunningTurns(node -> true, ErrorCode.INTERNAL, "The server stopped while this turn was running.");
  }

  /** Closes the running turns of engines on nodes that are no longer in the cluster. */
  private void failTurnsOfNodes(Predicate<String> gone) {
    failRunningTurns(gone, ErrorCode.SERVICE_UNAVAILABLE, "The engine node running this turn left the cluster.")
        .onFailure(e -> log.error("Could not close the turns of a departed engine node", e));
  }

  /** Fails the running turns whose engine node matches and publishes the closing events. */
  private Future<Void> failRunningTurns(Predicate<String> engineNode, ErrorCode code, String reason) {
    return sessions.runningTurns().map(all -> {
      JsonArray selected = new JsonArray();
      all.forEach(t -> {
        if (engineNode.test(((JsonObject) t).getString("engine_node"))) {
          selected.add(t);
        }
      });
      return selected;
    }).compose(turns -> {
      Future<Void> chain = Future.succeededFuture();
      for (int i = 0; i < turns.size(); i++) {
        JsonObject turn = turns.getJsonObject(i);
        chain = chain.compose(v -> sessions.failRunningTurn(turn, code, reason).map(envelopes -> {
          envelopes.forEach(e -> vertx.eventBus().publish(Addresses.sessionEvents(turn.getString("session_id")), e));
          return null;
        }));
      }
      if (!turns.isEmpty()) {
        log.warn("Closed {} turn(s) as failed: {}", turns.size(), reason);
      }
      return chain;
    });
  }
}
