package agentx.api;

import static agentx.api.Requests.intParam;
import static agentx.api.Requests.jsonBody;
import static agentx.api.Requests.longParam;
import static agentx.api.Requests.onlyFields;
import static agentx.api.Requests.optionalString;
import static agentx.api.Requests.requiredString;
import static agentx.api.Requests.sessionId;
import static agentx.api.Routes.json;

import agentx.config.AgentXConfig;
import agentx.protocol.Addresses;
import agentx.events.AgentXException;
import agentx.protocol.Bus;
import agentx.events.ErrorCode;
import agentx.events.Events;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** Turns over REST: send a message (answers when the turn ends), cancel, replay the event log. */
final class TurnRoutes {
  static final int MAX_CONTENT = 200_000;
  private static final long ENGINE_REPLY_GRACE_MS = 2_000;

  private final Vertx vertx;
  private final long turnTimeoutMs;

  TurnRoutes(Vertx vertx, AgentXConfig config) {
    this.vertx = vertx;
    this.turnTimeoutMs = config.integer(AgentXConfig.TURN_TIMEOUT) * 1000L;
  }

  void mount(Router api) {
    api.post("/sessions/:id/messages").handler(json(200, this::sendMessage));
    api.post("/sessions/:id/cancel").handler(json(202, this::cancel));
    api.get("/sessions/:id/events").handler(json(200, this::events));
  }

  /** The body of a turn request, checked: {@code {content, system?}}. Shared with the WebSocket and the bridge. */
  static JsonObject turnRequest(String sessionId, JsonObject body, boolean wait) {
    return new JsonObject()
        .put("session_id", sessionId)
        .put("content", requiredString(body, "content", MAX_CONTENT))
        .put("system", optionalString(body, "system", MAX_CONTENT))
        .put("wait", wait);
  }

  private Future<JsonObject> sendMessage(RoutingContext ctx) {
    String id = sessionId(ctx);
    JsonObject body = jsonBody(ctx);
    onlyFields(body, "content", "system");
    JsonObject request = turnRequest(id, body, true).put("turn_id", UUID.randomUUID().toString());
    return awaitTurn(request);
  }

  /**
   * Starts a turn and answers its AssistantReply. A reply from an engine that died never comes, so
   * this also watches the session's events: a {@code turn} event closing this turn as failed (the
   * store closes the turns of a node that left the cluster) ends the wait with that error.
   */
  private Future<JsonObject> awaitTurn(JsonObject request) {
    String turnId = request.getString("turn_id");
    Promise<JsonObject> answer = Promise.promise();
    MessageConsumer<JsonObject> watch = vertx.eventBus().consumer(Addresses.sessionEvents(request.getString("session_id")), m -> {
      JsonObject event = m.body();
      if (Events.TURN.equals(event.getString("type")) && turnId.equals(event.getString("turn_id"))) {
        JsonObject data = event.getJsonObject("data", new JsonObject());
        if ("failed".equals(data.getString("status"))) {
          // the engine's own reply, when it is alive, comes right after its turn event: give it a moment
          vertx.setTimer(ENGINE_REPLY_GRACE_MS, t -> answer.tryFail(new AgentXException(
              ErrorCode.valueOf(data.getString("error_code", ErrorCode.INTERNAL.name())), data.getString("error_message", "The turn failed."))));
        }
      }
    });
    watch.completion()
        // a turn may run long: the bus timeout is the turn timeout plus a margin for closing it
        .compose(v -> Bus.request(vertx, Addresses.ENGINE_TURN_START, request, turnTimeoutMs + 60_000))
        .onComplete(done -> {
          if (done.succeeded()) {
            answer.tryComplete(done.result());
          } else {
            answer.tryFail(done.cause());
          }
        });
    return answer.future().onComplete(done -> watch.unregister());
  }

  private Future<JsonObject> cancel(RoutingContext ctx) {
    String id = sessionId(ctx);
    return cancelTurn(vertx, id);
  }

  /** Cancels the session's running turn, wherever it runs; {@code {cancelled:false}} when none runs. */
  static Future<JsonObject> cancelTurn(Vertx vertx, String sessionId) {
    return Bus.request(vertx, Addresses.STORE_SESSION_GET, new JsonObject().put("session_id", sessionId))
        .compose(session -> Bus.request(vertx, Addresses.turnCancel(sessionId), new JsonObject(), 5_000)
            .recover(failure -> failure instanceof AgentXException e && e.code() == ErrorCode.SERVICE_UNAVAILABLE
                ? Future.succeededFuture(new JsonObject().put("cancelled", false))
                : Future.failedFuture(failure)));
  }

  private Future<JsonObject> events(RoutingContext ctx) {
    String id = sessionId(ctx);
    long after = longParam(ctx, "after", 0);
    int limit = intParam(ctx, "limit", 1000, 1, 5000);
    return Bus.request(vertx, Addresses.STORE_SESSION_GET, new JsonObject().put("session_id", id))
        .compose(s -> Bus.request(vertx, Addresses.STORE_EVENT_LIST,
            new JsonObject().put("session_id", id).put("after", after).put("limit", limit)));
  }
}
