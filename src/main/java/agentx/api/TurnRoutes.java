package agentx.api;

import static agentx.api.Requests.intParam;
import static agentx.api.Requests.jsonBody;
import static agentx.api.Requests.longParam;
import static agentx.api.Requests.onlyFields;
import static agentx.api.Requests.optionalString;
import static agentx.api.Requests.requiredString;
import static agentx.api.Requests.sessionId;
import static agentx.api.Routes.json;
import static agentx.api.Routes.jsonText;

import agentx.config.AgentXConfig;
import agentx.events.AgentXException;
import agentx.events.Ids;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.protocol.AssistantReply;
import agentx.protocol.EngineClient;
import agentx.protocol.EventPage;
import agentx.protocol.EventQuery;
import agentx.protocol.StartTurn;
import agentx.protocol.SessionEvent;
import agentx.protocol.StoreClient;
import agentx.protocol.TurnAccepted;
import agentx.protocol.TurnOutcome;
import agentx.protocol.TurnQuery;
import agentx.protocol.TurnSummary;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns over REST: send a message (answers when the turn ends), cancel, replay the event log. */
final class TurnRoutes {
  private static final Logger log = LoggerFactory.getLogger(TurnRoutes.class);
  static final int MAX_CONTENT = 200_000;
  private static final long ENGINE_REPLY_GRACE_MS = 2_000;

  private final Vertx vertx;
  private final StoreClient store;
  private final EngineClient engine;
  private final long turnTimeoutMs;
  /** The answers of {@code "wait": true} messages still owed, for {@link #settle} at a stop. */
  private final Set<Promise<TurnOutcome>> owed = new HashSet<>();
  /** Those of {@link #owed} whose engine stopped and left the turn to be resumed: no answer comes from it. */
  private final Map<Promise<TurnOutcome>, Throwable> handedOver = new HashMap<>();
  /** Set by {@link #settle}: the server is stopping. */
  private boolean stopping;

  TurnRoutes(Vertx vertx, StoreClient store, EngineClient engine, AgentXConfig config) {
    this.vertx = vertx;
    this.store = store;
    this.engine = engine;
    this.turnTimeoutMs = config.integer(AgentXConfig.TURN_TIMEOUT) * 1000L;
  }

  void mount(Router api) {
    api.post("/sessions/:id/messages").handler(ctx -> Routes.run(ctx, () -> sendMessage(ctx)));
    api.post("/sessions/:id/cancel").handler(json(202, this::cancel));
    api.get("/sessions/:id/events").handler(jsonText(200, this::events));
    api.get("/sessions/:id/turns").handler(json(200, this::turns));
    api.get("/sessions/:id/turns/:turn_id").handler(json(200, this::turn));
  }

  /** The body of a turn request, checked: {@code {content, system?}}. Shared with the WebSocket and the bridge. */
  static StartTurn turnRequest(String sessionId, JsonObject body, boolean wait) {
    String system = optionalString(body, "system", MAX_CONTENT);
    if (body.getValue("content") instanceof JsonArray blocks) {
      JsonArray checked = MessageContent.check(blocks);
      return new StartTurn(sessionId, Ids.timeOrdered(), MessageContent.text(checked), checked, system, wait);
    }
    return new StartTurn(sessionId, Ids.timeOrdered(), requiredString(body, "content", MAX_CONTENT), system, wait);
  }

  /**
   * {@code POST /messages}: 200 with the AssistantReply when the turn ends, or, with {@code "wait": false},
   * 202 {@code {session_id, turn_id, status: running|queued}} at once (follow it on the events or {@code /turns}).
   */
  private Future<Void> sendMessage(RoutingContext ctx) {
    String id = sessionId(ctx);
    JsonObject body = jsonBody(ctx);
    onlyFields(body, "content", "system", "wait");
    Object wait = body.remove("wait");
    if (wait != null && !(wait instanceof Boolean)) {
      throw Requests.invalid("wait must be true or false.");
    }
    if (Boolean.FALSE.equals(wait)) {
      return store.session(id).compose(s -> engine.queueTurn(turnRequest(id, body, false)))
          .map(accepted -> Routes.reply(ctx, 202, accepted.toJson()));
    }
    return awaitTurn(turnRequest(id, body, true)).map(outcome -> outcome.reply() != null
        ? Routes.reply(ctx, 200, outcome.reply().toJson())
        // the turn stopped to wait for approvals: answer them (GET/POST .../approvals), then follow it on the events
        : Routes.reply(ctx, 202, outcome.waiting().toJson()));
  }

  /**
   * Starts a turn and answers its AssistantReply. A reply from an engine that died never comes, so
   * this also watches the session's events: the {@code turn} event closing this turn ends the wait
   * with its outcome (the store closes the turns of a node that left the cluster, or another engine
   * resumes and finishes the turn), and so does the turn stopping to wait for approvals.
   */
  private Future<TurnOutcome> awaitTurn(StartTurn request) {
    String turnId = request.turnId();
    Promise<TurnOutcome> answer = Promise.promise();
    JsonObject[] lastAnswer = new JsonObject[1];
    JsonArray calls = new JsonArray();
    MessageConsumer<Object> watch = SessionEvent.consumer(vertx, request.sessionId(), published -> {
      if (Events.STREAM.equals(published.type())) {
        return; // tokens say nothing about the turn's end: not parsed
      }
      JsonObject event = published.toJson();
      if (!turnId.equals(event.getString("turn_id"))) {
        return;
      }
      String type = event.getString("type");
      JsonObject data = event.getValue("data") instanceof JsonObject d ? d : new JsonObject();
      if (Events.MESSAGE.equals(type)) {
        if ("assistant".equals(data.getString("role"))) {
          lastAnswer[0] = data;
        } else if (data.getValue("tool_calls") instanceof JsonArray made) {
          calls.addAll(made);
        }
      } else if (Events.STATE.equals(type) && TurnAccepted.AWAITING_APPROVAL.equals(data.getString("state"))) {
        vertx.setTimer(ENGINE_REPLY_GRACE_MS, t -> answer.tryComplete(TurnOutcome.waiting(
            new TurnAccepted(request.sessionId(), turnId, TurnAccepted.AWAITING_APPROVAL))));
      } else if (Events.TURN.equals(type)) {
        TurnSummary summary = TurnSummary.fromJson(data);
        // the engine's own reply, when it is alive, comes right after its turn event: give it a moment
        vertx.setTimer(ENGINE_REPLY_GRACE_MS, t -> {
          if ("failed".equals(summary.status()) || "budget_exceeded".equals(summary.status())) {
            answer.tryFail(new AgentXException(ErrorCode.fromName(summary.errorCode()),
                summary.errorMessage() != null ? summary.errorMessage() : "The turn failed."));
          } else {
            JsonObject last = lastAnswer[0] != null ? lastAnswer[0] : new JsonObject();
            answer.tryComplete(TurnOutcome.of(new AssistantReply(summary.assistantMessageId(), last.getString("content", ""), calls,
                summary.inputTokens(), summary.outputTokens(), turnId, request.sessionId(), summary.stopReason(),
                event.getString("timestamp"))));
          }
        });
      }
    });
    // a turn may run long: the wait ends after the turn timeout plus a margin for closing it
    long waitMs = turnTimeoutMs + 60_000;
    long deadline = System.nanoTime() + waitMs * 1_000_000;
    watch.completion()
        .compose(v -> engine.runTurn(request, waitMs))
        .onComplete(done -> {
          if (done.succeeded()) {
            answer.tryComplete(done.result());
          } else if (StartTurn.isHandedOver(done.cause())) {
            // the engine stopped and left the turn to be resumed: a stopping server answers now; a running one
            // (the engine was another node's) waits for the resuming engine's end on the events, as long as it
            // would have waited for the engine's answer
            if (stopping) {
              answer.tryFail(done.cause());
            } else {
              handedOver.put(answer, done.cause());
              long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
              long timer = vertx.setTimer(left, t -> answer.tryFail(new AgentXException(ErrorCode.TIMEOUT, "The turn was left to "
                  + "be resumed when its engine stopped, and no engine ended it in time; follow it on the session's events.")));
              answer.future().onComplete(ended -> vertx.cancelTimer(timer));
            }
          } else {
            answer.tryFail(done.cause());
          }
        });
    owed.add(answer);
    return answer.future().onComplete(done -> {
      owed.remove(answer);
      handedOver.remove(answer);
      watch.unregister();
    });
  }

  /**
   * At a stop, before the server closes: the answers still owed get up to {@code graceMs} (a stopping engine
   * refuses the messages it had queued at once, 503, "send it again"); a turn its engine left to be resumed is
   * answered 503 saying so at once, and one still running elsewhere after the grace, not with a closed connection.
   */
  Future<Void> settle(long graceMs) {
    stopping = true;
    // a turn its engine left to be resumed ends nowhere before this server stops (not on this node, whose engine
    // stopped first; not on another, which resumes it once this node has gone): said at once, not after the grace
    new HashMap<>(handedOver).forEach(Promise::tryFail);
    if (owed.isEmpty()) {
      return Future.succeededFuture();
    }
    List<Future<TurnOutcome>> answers = owed.stream().map(Promise::future).toList();
    log.info("HTTP API stopping: {} message(s) still waiting for their turn's end get up to {} ms for their answer",
        answers.size(), graceMs);
    Promise<Void> settled = Promise.promise();
    long timer = vertx.setTimer(graceMs, t -> {
      new ArrayList<>(owed).forEach(answer -> answer.tryFail(new AgentXException(ErrorCode.SERVICE_UNAVAILABLE,
          "The server is stopping before this message's turn ended. The turn is kept and resumed (after the restart, or by "
              + "another node); follow it on the session's events.")));
      settled.tryComplete();
    });
    Future.join(answers).onComplete(all -> {
      vertx.cancelTimer(timer);
      settled.tryComplete();
    });
    return settled.future();
  }

  private Future<JsonObject> cancel(RoutingContext ctx) {
    return cancelTurn(store, engine, sessionId(ctx));
  }

  /**
   * Cancels the session's running turn, wherever it runs, or its turn that waits for approvals;
   * {@code {cancelled:false}} when neither is there.
   */
  static Future<JsonObject> cancelTurn(StoreClient store, EngineClient engine, String sessionId) {
    return store.session(sessionId)
        .compose(session -> engine.cancel(sessionId))
        .compose(r -> r.cancelled() ? Future.succeededFuture(r) : store.cancelWaitingTurn(sessionId))
        .map(r -> r.toJson());
  }

  private Future<JsonObject> turns(RoutingContext ctx) {
    String id = sessionId(ctx);
    int limit = intParam(ctx, "limit", 20, 1, TurnQuery.MAX_LIMIT);
    int offset = intParam(ctx, "offset", 0, 0, Integer.MAX_VALUE);
    return store.listTurns(new TurnQuery(id, null, limit, offset)).map(page -> page.toJson());
  }

  private Future<JsonObject> turn(RoutingContext ctx) {
    String id = sessionId(ctx);
    String turnId = ctx.pathParam("turn_id");
    if (!Requests.isSessionId(turnId)) {
      throw Requests.invalid("'" + turnId + "' is not a turn id (a UUID is expected).");
    }
    return store.turn(id, turnId.toLowerCase()).map(t -> t.toJson());
  }

  private Future<String> events(RoutingContext ctx) {
    String id = sessionId(ctx);
    long after = longParam(ctx, "after", 0);
    int limit = intParam(ctx, "limit", 1000, 1, EventQuery.MAX_LIMIT);
    return store.session(id).compose(s -> store.events(new EventQuery(id, after, limit))).map(EventPage::restJson);
  }
}
