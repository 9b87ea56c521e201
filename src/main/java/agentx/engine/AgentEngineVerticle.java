package agentx.engine;

import agentx.config.AgentXConfig;
import agentx.engine.anthropic.AnthropicClient;
import agentx.engine.anthropic.AnthropicOptions;
import agentx.events.AgentXException;
import agentx.events.Ids;
import agentx.events.ErrorCode;
import agentx.events.Metrics;
import agentx.events.NodeId;
import agentx.models.ConfigCheck;
import agentx.models.ModelCatalog;
import agentx.protocol.Addresses;
import agentx.protocol.CancelResult;
import agentx.protocol.EngineClient;
import agentx.protocol.NodeHealth;
import agentx.protocol.Session;
import agentx.protocol.StartTurn;
import agentx.protocol.StoreClient;
import agentx.protocol.ToolProgress;
import agentx.protocol.ResumableTurn;
import agentx.protocol.ToolsClient;
import agentx.protocol.TurnOutcome;
import agentx.protocol.QueuedTurn;
import agentx.protocol.TurnAccepted;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs turns: one at a time per session (a shared-data lock, cluster-wide when clustered), each by
 * a {@link TurnRunner}. While a turn runs, this instance listens on the session's cancel and
 * progress addresses, so a cancel reaches the right engine wherever it runs.
 */
public class AgentEngineVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(AgentEngineVerticle.class);
  private static final long REJECT_LOCK_WAIT_MS = 100;
  private static final long STOP_GRACE_MS = 5_000;
  /** Within the API's own 5 s for a cancel: a waiting turn that hears nothing from the running one cancels itself. */
  private static final long FORWARDED_CANCEL_TIMEOUT_MS = 3_000;
  private static final int RESUME_SCAN_ATTEMPTS = 5;
  private static final long RESUME_SCAN_RETRY_MS = 2_000;
  private static final long RESUME_LOCK_WAIT_MS = 5_000;
  private static final int RESUME_LOCK_ATTEMPTS = 6;
  private final Map<TurnRunner, Future<TurnOutcome>> running = new HashMap<>();
  /** {@code "wait": true} messages queued behind their session's running turn: not started, not stored, owed an answer. */
  private final Set<Message<JsonObject>> queuedWaiting = new HashSet<>();
  private boolean stopping;

  private AgentXConfig config;
  private AnthropicClient client;
  private TokenCounter counter;
  private Pricing pricing;
  private ModelCatalog catalog;
  private String nodeId;
  private StoreClient store;
  private EngineClient engineClient;
  private ToolsClient tools;

  @Override
  public Future<?> start() {
    config = AgentXConfig.from(config());
    nodeId = NodeId.of(vertx);
    try {
      catalog = ModelCatalog.fromFile(config.string(AgentXConfig.MODELS_FILE));
      checkServerDefaults();
      pricing = new Pricing(catalog, config.json(AgentXConfig.PRICES));
      client = config.llmConfigured() ? new AnthropicClient(vertx, clientOptions()) : null;
      if (client != null) {
        Metrics.of(vertx).llmCallsWaiting(client::callsWaiting);
      }
      counter = client == null ? null : new TokenCounter(client);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalStateException("The engine cannot start: " + e.getMessage(), e));
    }
    store = new StoreClient(vertx);
    engineClient = new EngineClient(vertx);
    tools = new ToolsClient(vertx);
    MessageConsumer<JsonObject> start = vertx.eventBus().consumer(Addresses.ENGINE_TURN_START, this::onStartTurn);
    MessageConsumer<JsonObject> health = vertx.eventBus().consumer(Addresses.ENGINE_HEALTH,
        m -> m.reply(new NodeHealth.Engine(client != null, nodeId).toJson()));
    MessageConsumer<JsonObject> resumable = vertx.eventBus().consumer(Addresses.ENGINE_TURN_RESUMABLE,
        m -> resume(ResumableTurn.Offer.fromJson(m.body()), 1));
    return Future.all(start.completion(), health.completion(), resumable.completion())
        .onSuccess(v -> resumeWaitingTurns(RESUME_SCAN_ATTEMPTS));
  }

  /**
   * Turns that wait for an engine (their engine died while none was there to take them, or the
   * server restarted): asked for once this engine is up, again shortly if the store is not up yet.
   */
  private void resumeWaitingTurns(int attemptsLeft) {
    if (client == null) {
      return;
    }
    store.resumableTurns().onSuccess(offers -> offers.forEach(o -> resume(o, 1))).onFailure(e -> {
      if (attemptsLeft > 1) {
        vertx.setTimer(RESUME_SCAN_RETRY_MS, t -> resumeWaitingTurns(attemptsLeft - 1));
      } else {
        log.warn("Could not ask the store for turns to resume: {}", e.getMessage());
      }
    });
  }

  /**
   * Tries to take over a turn waiting to be resumed. Every engine hears of it. The session's lock
   * comes first (so no new turn of the session can start in between), then the store's claim, which
   * hands the turn to exactly one engine; the others let the lock go. A lock still held (by an
   * engine Hazelcast has not released yet) is tried again a few times.
   */
  private void resume(ResumableTurn.Offer offer, int attempt) {
    if (client == null || offer.turnId() == null || offer.sessionId() == null) {
      return;
    }
    long turnTimeoutMs = config.integer(AgentXConfig.TURN_TIMEOUT) * 1000L;
    vertx.sharedData().getLockWithTimeout(Addresses.sessionLock(offer.sessionId()), RESUME_LOCK_WAIT_MS).onComplete(locked -> {
      if (locked.failed()) {
        if (attempt < RESUME_LOCK_ATTEMPTS) {
          vertx.setTimer(RESUME_SCAN_RETRY_MS, t -> resume(offer, attempt + 1));
        } else {
          log.warn("Turn {} of session {} not resumed here: the session stayed locked", offer.turnId(), offer.sessionId());
        }
        return;
      }
      Lock lock = locked.result();
      store.claimTurn(new ResumableTurn.Claim(offer.turnId(), nodeId))
          .compose(turn -> store.session(turn.sessionId()).map(session -> {
            TurnSettings settings = TurnSettings.resolve(config, catalog, session.config(), turn.system());
            TurnRunner runner = TurnRunner.resumed(client, counter, store, tools, pricing, settings, turn, nodeId,
                session.usage().costUsd(), Metrics.of(vertx));
            return runLocked(lock, runner, turnTimeoutMs, null);
          }))
          .onFailure(e -> {
            lock.release();
            log.debug("Turn {} not resumed here: {}", offer.turnId(), e.getMessage());
          });
    });
  }

  /**
   * A default every turn would be refused for ({@code AGENTX_MAX_TOKENS} above the model's maximum
   * output, ...) stops the start with the reason, instead of an upstream 400 at every turn.
   */
  private void checkServerDefaults() {
    ConfigCheck.ServerCheck check = ConfigCheck.serverDefaults(catalog, config.string(AgentXConfig.MODEL),
        config.integer(AgentXConfig.MAX_TOKENS));
    check.warnings().forEach(log::warn);
    if (check.error() != null) {
      throw new IllegalArgumentException(check.error());
    }
    config.contextManagement(); // a value other than auto/off stops the start here, not at the first turn
  }

  /** Where and how to reach the Messages API: key, or bearer token (gateways), or neither (local gateways); never logged. */
  private AnthropicOptions clientOptions() {
    AnthropicOptions options = AnthropicOptions.of(config.string(AgentXConfig.ANTHROPIC_BASE_URL), config.string(AgentXConfig.ANTHROPIC_API_KEY))
        .withAuthToken(config.string(AgentXConfig.ANTHROPIC_AUTH_TOKEN))
        .withHeaders(config.customHeaders())
        .withConnectTimeoutMs(config.integer(AgentXConfig.LLM_CONNECT_TIMEOUT) * 1000L)
        .withIdleTimeoutMs(config.integer(AgentXConfig.LLM_IDLE_TIMEOUT) * 1000L);
    options = options.withRetries(config.integer(AgentXConfig.LLM_MAX_RETRIES), options.baseRetryDelayMs(), options.maxRetryDelayMs());
    if (config.hasApiKey() && config.hasAuthToken()) {
      log.info("Both ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are set: requests carry the token (Authorization: Bearer) and not the key.");
    }
    log.info("Messages API: {}", options);
    return options;
  }

  @Override
  public Future<?> stop() {
    // With AGENTX_RESUME_TURNS a stopping engine leaves its turns to be resumed (by another engine, or by
    // this one after a restart); otherwise it closes them itself, so their clients see the failure while
    // the bus is still up.
    stopping = true;
    // a message still queued was never started nor stored: say so now, while its client is still connected
    if (!queuedWaiting.isEmpty()) {
      log.info("Engine stopping: {} waiting message(s) queued behind running turns answered 503 (not started, send again)",
          queuedWaiting.size());
      new ArrayList<>(queuedWaiting).forEach(message -> answerQueued(message, notStarted()));
    }
    boolean handOver = config.bool(AgentXConfig.RESUME_TURNS);
    List<Future<?>> closing = new ArrayList<>();
    new HashMap<>(running).forEach((runner, done) -> {
      if (handOver) {
        closing.add(runner.handOver());
      } else {
        runner.stop(new AgentXException(ErrorCode.SERVICE_UNAVAILABLE, "The engine node stopped while this turn was running."));
        closing.add(done);
      }
    });
    Promise<Void> closed = Promise.promise();
    long guard = vertx.setTimer(STOP_GRACE_MS, t -> closed.tryComplete());
    Future.join(closing).onComplete(v -> {
      vertx.cancelTimer(guard);
      closed.tryComplete();
    });
    return closed.future().compose(v -> client == null ? Future.succeededFuture() : client.close());
  }

  private void onStartTurn(Message<JsonObject> message) {
    StartTurn request = StartTurn.fromJson(message.body() == null ? new JsonObject() : message.body());
    if (client == null) {
      AgentXException.failReply(message, new AgentXException(ErrorCode.LLM_NOT_CONFIGURED,
          "No Claude API key is configured: set ANTHROPIC_API_KEY in the environment or in .env (or ANTHROPIC_AUTH_TOKEN, "
              + "or ANTHROPIC_BASE_URL for a gateway that needs no key), then restart the server."));
      return;
    }
    if ((request.content() == null || request.content().isBlank()) && (request.blocks() == null || request.blocks().isEmpty())) {
      AgentXException.failReply(message, new AgentXException(ErrorCode.VALIDATION_FAILED, "content is required and must be a non-empty string."));
      return;
    }
    String given = request.turnId();
    String turnId = given != null && given.matches("[0-9a-f-]{36}") ? given : Ids.timeOrdered();
    String sessionId = request.sessionId();
    boolean reject = rejectsWhenBusy();
    long turnTimeoutMs = config.integer(AgentXConfig.TURN_TIMEOUT) * 1000L;

    // The session is read once, in startLocked, once the lock is held (a missing one answers SESSION_NOT_FOUND
    // there); only a message that finds the session busy reads it before it waits or is queued.
    if (request.awaitEnd()) {
      queuedWaiting.add(message);
      acquire(sessionId, REJECT_LOCK_WAIT_MS, reject)
          .recover(busy -> store.session(sessionId)
              .compose(exists -> reject ? Future.failedFuture(busy) : acquire(sessionId, turnTimeoutMs, false)))
          .onComplete(acquired -> {
            if (!queuedWaiting.remove(message)) {
              // answered already (the engine began to stop while the message waited): nothing starts
              if (acquired.succeeded()) {
                acquired.result().release();
              }
              return;
            }
            if (acquired.failed()) {
              AgentXException.failReply(message, acquired.cause());
              return;
            }
            startLocked(acquired.result(), sessionId, fresh -> newRunner(fresh, request, turnId), turnTimeoutMs, message)
                .onFailure(failure -> AgentXException.failReply(message, failure));
          });
      return;
    }
    // nobody waits: answer "running" once the turn is recorded, or "queued" behind the session's running turn
    acquire(sessionId, REJECT_LOCK_WAIT_MS, reject).transform(quick -> {
      if (quick.succeeded()) {
        startLocked(quick.result(), sessionId, fresh -> newRunner(fresh, request, turnId), turnTimeoutMs, null)
            .compose(TurnRunner::started)
            .onSuccess(state -> message.reply(new TurnAccepted(sessionId, turnId, state).toJson()))
            .onFailure(refused -> AgentXException.failReply(message, refused));
        return Future.<Void>succeededFuture();
      }
      if (reject) {
        return store.session(sessionId).compose(exists -> Future.<Void>failedFuture(quick.cause()));
      }
      // recorded before the client is told: the acknowledgement outlives this engine's memory (an engine
      // that dies leaves the row, and the store closes it as failed, so the client hears of it)
      return store.session(sessionId).compose(exists -> store.queueTurn(QueuedTurn.accepted(sessionId, turnId, nodeId))).map(recorded -> {
        message.reply(new TurnAccepted(sessionId, turnId, TurnAccepted.QUEUED).toJson());
        acquire(sessionId, turnTimeoutMs, false)
            .compose(lock -> startLocked(lock, sessionId, fresh -> newRunner(fresh, request, turnId).queued(), turnTimeoutMs, null))
            .onFailure(e -> {
              log.warn("Queued turn {} of session {} never started: {}", turnId, sessionId, e.getMessage());
              TurnRunner.closeQueued(store, sessionId, turnId, e);
            });
        return null;
      });
    }).onFailure(failure -> AgentXException.failReply(message, failure));
  }

  private static AgentXException notStarted() {
    return new AgentXException(ErrorCode.SERVICE_UNAVAILABLE,
        "The server is stopping: this message was queued behind the session's running turn and was neither started nor stored; send it again.");
  }

  /** Fails a queued {@code "wait": true} message once: whoever takes it out of {@link #queuedWaiting} answers it. */
  private void answerQueued(Message<JsonObject> message, AgentXException failure) {
    if (queuedWaiting.remove(message)) {
      AgentXException.failReply(message, failure);
    }
  }

  private Future<Lock> acquire(String sessionId, long timeoutMs, boolean reject) {
    return vertx.sharedData().getLockWithTimeout(Addresses.sessionLock(sessionId), timeoutMs)
        .recover(failure -> Future.failedFuture(new AgentXException(reject ? ErrorCode.SESSION_BUSY : ErrorCode.TIMEOUT, reject
            ? "The session is busy with another turn; wait for it to end or cancel it."
            : "The session stayed busy with earlier turns for too long.")));
  }

  private TurnRunner newRunner(Session session, StartTurn request, String turnId) {
    TurnSettings settings = TurnSettings.resolve(config, catalog, session.config(), request.system());
    return new TurnRunner(client, counter, store, tools, pricing, settings, session.sessionId(), turnId,
        request.content(), request.blocks(), request.system(), nodeId, session.usage().costUsd(), Metrics.of(vertx))
        .whenBusy(!rejectsWhenBusy(), this::runsHere);
  }

  /** {@code AGENTX_BUSY_POLICY=reject}: a message to a session with a running turn is refused instead of waiting. */
  private boolean rejectsWhenBusy() {
    return "reject".equalsIgnoreCase(config.string(AgentXConfig.BUSY_POLICY));
  }

  /** Whether this engine runs the turn: one the store has running on this node that is not here lost its close. */
  private boolean runsHere(String turnId) {
    return running.keySet().stream().anyMatch(r -> r.turnId().equals(turnId));
  }

  private static void cancelHere(TurnRunner runner, Message<JsonObject> m) {
    log.info("Cancelling turn {} of session {}", runner.turnId(), runner.sessionId());
    runner.stop(null);
    m.reply(new CancelResult(true, runner.turnId()).toJson());
  }

  /**
   * {@link #runLocked(Lock, TurnRunner, long, Message)} of the runner {@code build} makes from the session as it is
   * once the lock is held: a turn that waited behind others starts from their spending (its limits are checked
   * against it) and from the config as it is now. The lock is let go if the runner cannot be made.
   */
  private Future<TurnRunner> startLocked(Lock lock, String sessionId, Function<Session, TurnRunner> build, long turnTimeoutMs,
      Message<JsonObject> reply) {
    if (stopping) {
      // the lock came free because this engine is stopping (its turns handed over): nothing new starts here
      lock.release();
      return Future.failedFuture(notStarted());
    }
    return store.session(sessionId)
        .map(build)
        .map(runner -> runLocked(lock, runner, turnTimeoutMs, reply))
        .onFailure(e -> lock.release());
  }

  /** Runs one turn holding the session's lock; releases it whatever happens. {@code reply} is null when nobody waits. */
  private TurnRunner runLocked(Lock lock, TurnRunner runner, long turnTimeoutMs, Message<JsonObject> reply) {
    String sessionId = runner.sessionId();
    String turnId = runner.turnId();
    MessageConsumer<JsonObject> cancel = vertx.eventBus().consumer(Addresses.turnCancel(sessionId), m -> {
      String running = runner.waitingBehind();
      if (running == null) {
        cancelHere(runner, m);
        return;
      }
      // the session's lock was granted twice (README, Known limits) and this turn waits for the running one:
      // the cancel is that turn's. Only when no engine runs it (its engine lost track of it) is this one cancelled.
      engineClient.cancelTurn(sessionId, running, FORWARDED_CANCEL_TIMEOUT_MS).onComplete(forwarded -> {
        if (forwarded.succeeded()) {
          log.info("Cancel of session {} passed on from waiting turn {} to running turn {}", sessionId, turnId, running);
          m.reply(forwarded.result().toJson());
        } else {
          log.info("Cancel of session {}: running turn {} did not answer ({}); cancelling waiting turn {}", sessionId, running,
              forwarded.cause().getMessage(), turnId);
          cancelHere(runner, m);
        }
      });
    });
    MessageConsumer<JsonObject> cancelThis = vertx.eventBus().consumer(Addresses.turnCancel(sessionId, turnId), m -> cancelHere(runner, m));
    MessageConsumer<JsonObject> progress = vertx.eventBus().consumer(Addresses.turnProgress(sessionId),
        m -> runner.onToolProgress(ToolProgress.fromJson(m.body())));
    long timer = vertx.setTimer(turnTimeoutMs, t -> runner.stop(new AgentXException(ErrorCode.TIMEOUT,
        "The turn took longer than " + turnTimeoutMs / 1000 + " s and was stopped.")));
    Future<TurnOutcome> run = Future.all(cancel.completion(), cancelThis.completion(), progress.completion()).compose(v -> runner.run());
    running.put(runner, run);
    run.onComplete(done -> {
      running.remove(runner);
      vertx.cancelTimer(timer);
      cancel.unregister();
      cancelThis.unregister();
      progress.unregister();
      lock.release();
      if (reply == null) {
        return;
      }
      if (done.cause() instanceof TurnRunner.HandedOver) {
        // the turn is kept, not over: an asker that takes this answer is told so (a stopping server's API answers its
        // client at once); an older one gets none and follows the events, where the resuming engine ends the turn
        if (StartTurn.fromJson(reply.body()).handOverAnswered()) {
          AgentXException.failReply(reply, StartTurn.handedOver(turnId));
        }
      } else if (done.succeeded()) {
        reply.reply(done.result().toJson());
      } else {
        AgentXException.failReply(reply, done.cause());
      }
    });
    return runner;
  }
}
