package agentx.store;

import agentx.config.AgentXConfig;
import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.JsonText;
import agentx.events.Metrics;
import agentx.protocol.Addresses;
import agentx.protocol.AppendEvents;
import agentx.protocol.AppendMessage;
import agentx.protocol.ApprovalAnswer;
import agentx.protocol.ParkTurn;
import agentx.protocol.ResumableTurn;
import agentx.protocol.ToolCallRecord;
import agentx.protocol.BeginTurn;
import agentx.protocol.BusyTurn;
import agentx.protocol.CreateSession;
import agentx.protocol.EventQuery;
import agentx.protocol.FinishTurn;
import agentx.protocol.QueuedTurn;
import agentx.protocol.HistoryEntry;
import agentx.protocol.NodeHealth;
import agentx.protocol.PageQuery;
import agentx.protocol.SaveWorkflow;
import agentx.protocol.Serving;
import agentx.protocol.SessionEvent;
import agentx.protocol.SessionRef;
import agentx.protocol.TurnQuery;
import agentx.protocol.UpdateSession;
import agentx.protocol.WorkflowQuery;
import agentx.protocol.WorkflowVersion;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the database: runs the migrations at start (off the event loop), then answers the
 * {@code agentx.store.*} addresses. Nothing else in the runtime touches SQL. Events are published
 * to their session's address here, after they are committed, and only then.
 */
public class PersistenceVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PersistenceVerticle.class);

  /** Deployment config flag: close turns a crash left running (single-node deployments). */
  public static final String RECOVER_TURNS = "agentx.store.recover_turns";

  private Database db;
  private SessionRepository sessions;
  private EventRepository events;
  private WorkflowRepository workflows;
  private TurnRepository turns;
  private TurnRecovery recovery;
  private EventAppender appender;
  private ToolCallRepository toolCalls;
  private boolean resumeTurns;
  private long sweeper = -1;
  /** How often approvals past their {@code expires_at} are looked for and denied. */
  static final long APPROVAL_SWEEP_MS = 1_000;
  private final List<MessageConsumer<Object>> consumers = new ArrayList<>();
  /** The health check's write probe under way, if any ({@link #healthProbe}). */
  private Future<Void> probing;
  /** When the last health probe succeeded ({@link System#nanoTime}); a check within {@link #PROBE_FRESH_MS} of it answers from it. */
  private long probedAt;
  private boolean probedOnce;
  /** How long a successful write probe answers the health checks that follow it. */
  static final long PROBE_FRESH_MS = 1_000;

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
    turns = new TurnRepository(db);
    recovery = new TurnRecovery(db);
    appender = new EventAppender(events, db.isSqlite() ? 1 : 4, this::publish);
    toolCalls = new ToolCallRepository(db);
    resumeTurns = config.bool(AgentXConfig.RESUME_TURNS);
    return vertx.executeBlocking(db::migrateBlocking)
        .compose(applied -> writable())
        .compose(v -> config().getBoolean(RECOVER_TURNS, false) ? recoverInterruptedTurns() : Future.succeededFuture())
        .compose(v -> registerConsumers())
        .onSuccess(v -> {
          EngineWatch.start(vertx, this::recoverTurnsOfNodes);
          sweeper = vertx.setPeriodic(APPROVAL_SWEEP_MS, t -> denyExpiredApprovals());
        });
  }

  /**
   * Whether the database takes writes: SQLite opens a file it may not write (a read-only file or folder, an
   * immutable file) read-only without a word, and every read works; the first event would fail. Refused at start.
   */
  private Future<Void> writable() {
    return db.probeWrite().recover(e -> {
      String refusal = Database.refusal(e);
      return Future.failedFuture(refusal == null ? e : new IllegalStateException("The database " + db.url().redacted()
          + " refuses writes (" + refusal + "). AgentX stores every event before it sends it, so it cannot run on it: "
          + "make the database file and its folder writable (SQLite), or point AGENTX_DB_URL at a writable database."));
    });
  }

  /**
   * The write probe for a health check; checks asked while one runs share it, and those in the second after one
   * succeeded answer from it (no token guards {@code /health}, so a flood of checks, at once or one after another,
   * is at most one write a second in the writer's queue, not one each). A failed probe is not kept: the next check
   * probes again. On this verticle's event loop only.
   */
  private Future<Void> healthProbe() {
    if (probing != null) {
      return probing;
    }
    if (probedOnce && System.nanoTime() - probedAt < PROBE_FRESH_MS * 1_000_000) {
      return Future.succeededFuture();
    }
    Future<Void> probe = db.probeWrite().onSuccess(ok -> {
      probedAt = System.nanoTime();
      probedOnce = true;
    });
    if (!probe.isComplete()) {
      probing = probe;
      probe.onComplete(done -> probing = null);
    }
    return probe;
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweeper);
    return db == null ? Future.succeededFuture() : db.close();
  }

  private Future<Void> registerConsumers() {
    serve(Addresses.STORE_SESSION_CREATE, b -> sessions.create(CreateSession.fromJson(b)).map(s -> s.toJson()));
    serve(Addresses.STORE_SESSION_GET, b -> sessions.get(SessionRef.fromJson(b).sessionId()).map(s -> s.toJson()));
    serve(Addresses.STORE_SESSION_LIST, b -> sessions.list(PageQuery.fromJson(b)).map(p -> p.toJson()));
    serve(Addresses.STORE_SESSION_UPDATE, b -> sessions.update(UpdateSession.fromJson(b)).map(s -> s.toJson()));
    serve(Addresses.STORE_SESSION_DELETE, b -> sessions.delete(SessionRef.fromJson(b).sessionId()).map(v -> new JsonObject()));
    serve(Addresses.STORE_MESSAGE_APPEND, b -> sessions.appendMessage(AppendMessage.fromJson(b)).map(v -> new JsonObject()));
    serve(Addresses.STORE_MESSAGE_LIST, b -> sessions.listMessages(PageQuery.fromJson(b)).map(p -> p.toJson()));
    serve(Addresses.STORE_HISTORY, b -> sessions.history(SessionRef.fromJson(b).sessionId()).map(HistoryEntry::listToJson));
    serve(Addresses.STORE_TURN_BEGIN, b -> sessions.beginTurn(BeginTurn.fromJson(b)).map(v -> new JsonObject()));
    serve(Addresses.STORE_TURN_ABANDON, b -> recovery.abandon(BusyTurn.fromJson(b)).map(this::published));
    serve(Addresses.STORE_TURN_FINISH, b -> sessions.finishTurn(FinishTurn.fromJson(b)).map(v -> new JsonObject()));
    serve(Addresses.STORE_TURN_QUEUE, b -> turns.queue(QueuedTurn.fromJson(b)).map(v -> new JsonObject()));
    serve(Addresses.STORE_TURN_UNQUEUE, b -> {
      QueuedTurn dropped = QueuedTurn.fromJson(b);
      ErrorCode code = dropped.errorCode() == null ? null : ErrorCode.fromName(dropped.errorCode()); // none: cancelled
      return recovery.closeQueued(dropped.turnId(), dropped.sessionId(), code, String.valueOf(dropped.errorMessage())).map(this::published);
    });
    serve(Addresses.STORE_TURN_LIST, b -> turns.list(TurnQuery.fromJson(b)).map(p -> p.toJson()));
    serve(Addresses.STORE_TURN_GET, b -> {
      TurnQuery query = TurnQuery.fromJson(b);
      return turns.get(query.sessionId(), query.turnId()).map(t -> t.toJson());
    });
    serve(Addresses.STORE_TOOL_CALLS_STARTED,
        b -> toolCalls.started(ToolCallRecord.listFromJson(b.getJsonArray("calls", new JsonArray()))).map(v -> new JsonObject()));
    serve(Addresses.STORE_TOOL_CALL_DONE, b -> toolCalls.done(ToolCallRecord.fromJson(b)).map(v -> new JsonObject()));
    serve(Addresses.STORE_TURN_PARK, b -> toolCalls.park(ParkTurn.fromJson(b)).map(w -> announce(w, new JsonObject())));
    serve(Addresses.STORE_APPROVAL_LIST, b -> {
      String sessionId = SessionRef.fromJson(b).sessionId();
      return sessions.get(sessionId).compose(s -> toolCalls.pending(sessionId))
          .map(list -> new JsonObject().put("approvals", ToolCallRecord.listToJson(list)));
    });
    serve(Addresses.STORE_APPROVAL_ANSWER, b -> {
      ApprovalAnswer answer = ApprovalAnswer.fromJson(b);
      return sessions.get(answer.sessionId()).compose(s -> toolCalls.answer(answer)).map(w -> announce(w, w.value().toJson()));
    });
    serve(Addresses.STORE_TURN_CANCEL_WAITING, b -> {
      String sessionId = SessionRef.fromJson(b).sessionId();
      return sessions.get(sessionId).compose(s -> toolCalls.cancelWaiting(sessionId)).map(w -> announce(w, w.value().toJson()));
    });
    serve(Addresses.STORE_TURN_CLAIM, b -> recovery.claim(ResumableTurn.Claim.fromJson(b)).map(ResumableTurn::toJson));
    serve(Addresses.STORE_TURN_RESUMABLE, b -> recovery.resumable()
        .map(offers -> new JsonObject().put("turns", new JsonArray(offers.stream().map(ResumableTurn.Offer::toJson).toList()))));
    // published by the appender on the thread that committed them, before this answer
    Function<JsonObject, Future<JsonObject>> append = b -> {
      AppendEvents request = AppendEvents.fromJson(b);
      return appender.append(request.encoded(), request.progress()).map(this::numbers);
    };
    Future<String> appends;
    if (db.isSqlite()) {
      // one writer: the appends are written on the worker context that receives them (one thread hand-over fewer)
      appends = vertx.deployVerticle(new EventAppendVerticle(append), new DeploymentOptions().setThreadingModel(ThreadingModel.WORKER));
    } else {
      serve(Addresses.STORE_EVENT_APPEND, append);
      appends = Future.succeededFuture();
    }
    serve(Addresses.STORE_EVENT_LIST, b -> events.list(EventQuery.fromJson(b)).map(p -> p.toJson()));
    serve(Addresses.STORE_WORKFLOW_SAVE, b -> {
      SaveWorkflow save = SaveWorkflow.fromJson(b);
      return sessions.get(save.sessionId())
          .compose(s -> workflows.saveAndAnnounce(save))
          .map(saved -> {
            published(List.of(saved.event()));
            return saved.version().toJson();
          });
    });
    serve(Addresses.STORE_WORKFLOW_GET, b -> {
      WorkflowQuery query = WorkflowQuery.fromJson(b);
      return sessions.get(query.sessionId())
          .compose(s -> query.version() != null ? workflows.version(query.sessionId(), query.version()) : workflows.current(query.sessionId()))
          .map(WorkflowVersion::lookupToJson);
    });
    serve(Addresses.STORE_WORKFLOW_VERSIONS, b -> {
      String sessionId = SessionRef.fromJson(b).sessionId();
      return sessions.get(sessionId).compose(s -> workflows.versions(sessionId)).map(WorkflowVersion::listToJson);
    });
    // up when it can write (a database refusing writes still reads): a write of no row, in its turn among the writes
    serve(Addresses.STORE_HEALTH, b -> healthProbe()
        .recover(e -> {
          String refusal = Database.refusal(e);
          return Future.failedFuture(refusal == null ? e
              : new AgentXException(ErrorCode.STORE_UNAVAILABLE, "The database refuses writes: " + refusal));
        })
        .map(r -> new NodeHealth.Store("up", db.dialect().label()).toJson()));
    return Future.all(appends, Future.all(consumers.stream().map(MessageConsumer::completion).toList())).mapEmpty();
  }

  private void serve(String address, Function<JsonObject, Future<JsonObject>> handler) {
    consumers.add(Serving.serve(vertx, address, handler));
  }

  /** Persist, then publish: the committed envelopes go to their sessions' subscribers; the caller gets their numbers. */
  private JsonObject published(List<JsonObject> stored) {
    return publishedText(stored.stream().map(JsonObject::encode).toList());
  }

  /** {@link #published} for envelopes as stored text: published as that text, which every subscriber writes as is. */
  private JsonObject publishedText(List<String> stored) {
    List<EventRepository.Appended> appended = new ArrayList<>(stored.size());
    for (String envelope : stored) {
      int[] at = JsonText.valuesOf(envelope, "session_id", "seq");
      appended.add(new EventRepository.Appended(JsonText.stringAt(envelope, at[0]), JsonText.integerAt(envelope, at[1], -1), envelope));
    }
    return publishedAppends(appended);
  }

  /** One message per session for the events a commit stored, in seq order; the caller gets their numbers. */
  private JsonObject publishedAppends(List<EventRepository.Appended> stored) {
    publish(stored);
    return numbers(stored);
  }

  /**
   * Publishes the events a commit stored, one message per session, in seq order. Any thread: the
   * event appender calls it on the worker that committed them, right after the commit.
   */
  private void publish(List<EventRepository.Appended> stored) {
    Map<String, List<String>> bySession = new LinkedHashMap<>();
    for (EventRepository.Appended event : stored) {
      bySession.computeIfAbsent(event.sessionId(), k -> new ArrayList<>()).add(event.envelope());
    }
    bySession.forEach((sessionId, envelopes) -> SessionEvent.publish(vertx, sessionId, envelopes));
  }

  /** The answer to a store request that stored events: their numbers, in the order given. */
  private JsonObject numbers(List<EventRepository.Appended> stored) {
    if (!stored.isEmpty()) {
      Metrics.of(vertx).eventsPersisted(stored.size());
    }
    List<Long> seqs = new ArrayList<>(stored.size());
    for (EventRepository.Appended event : stored) {
      seqs.add(event.seq());
    }
    return new AppendEvents.Stored(seqs).toJson();
  }

  /** Publishes what a tool-call write stored, and tells the engines when a turn may be resumed; answers {@code reply}. */
  private JsonObject announce(ToolCallRepository.Written<?> written, JsonObject reply) {
    published(written.events());
    if (written.resumableTurnId() != null) {
      resumable(written.resumableTurnId(), written.resumableSessionId());
    }
    return reply;
  }

  /** Every engine hears it; the store hands the turn to the first that claims it. */
  private void resumable(String turnId, String sessionId) {
    vertx.eventBus().publish(Addresses.ENGINE_TURN_RESUMABLE, new ResumableTurn.Offer(turnId, sessionId).toJson());
  }

  /** Approvals nobody answered in time ({@code AGENTX_APPROVAL_TIMEOUT}) are denied, which lets their turn go on. */
  private void denyExpiredApprovals() {
    toolCalls.expired().onSuccess(expired -> {
      for (String[] call : expired) {
        toolCalls.answer(new ApprovalAnswer(call[0], call[1], ApprovalAnswer.DENY,
                "Nobody answered the approval in time (AGENTX_APPROVAL_TIMEOUT).", null))
            .onSuccess(w -> announce(w, new JsonObject()))
            .onFailure(e -> log.debug("Expired approval {} not denied: {}", call[1], e.getMessage()));
      }
    }).onFailure(e -> log.debug("Could not look for expired approvals: {}", e.getMessage()));
  }

  /** A crash or kill -9 can leave turns marked running and sessions stuck in processing: resume or close them all. */
  private Future<Void> recoverInterruptedTurns() {
    return failQueuedTurns(node -> true, ErrorCode.INTERNAL,
        "The server stopped before this queued turn started; its message was not sent. Send it again.")
        .compose(v -> recoverRunningTurns(node -> true, ErrorCode.INTERNAL, "The server stopped while this turn was running."));
  }

  /** Offers (or closes) the running turns of engines on nodes that are no longer in the cluster. */
  private void recoverTurnsOfNodes(Predicate<String> gone) {
    failQueuedTurns(gone, ErrorCode.SERVICE_UNAVAILABLE,
        "The engine node holding this queued turn left the cluster before it started; its message was not sent. Send it again.")
        .compose(v -> recoverRunningTurns(gone, ErrorCode.SERVICE_UNAVAILABLE, "The engine node running this turn left the cluster."))
        .onFailure(e -> log.error("Could not recover the turns of a departed engine node", e));
  }

  /**
   * Queued turns live in their engine's memory until they start: those of engines that are gone can
   * never start, and are closed as failed (with their {@code turn} event), so their clients hear of it.
   */
  private Future<Void> failQueuedTurns(Predicate<String> engineNode, ErrorCode code, String reason) {
    return recovery.queuedTurns().compose(all -> {
      Future<Void> chain = Future.succeededFuture();
      List<TurnRecovery.QueuedTurnRow> selected = all.stream().filter(t -> engineNode.test(t.engineNode())).toList();
      for (TurnRecovery.QueuedTurnRow turn : selected) {
        chain = chain.compose(v -> recovery.closeQueued(turn.turnId(), turn.sessionId(), code, reason).map(stored -> {
          published(stored);
          return null;
        }));
      }
      if (!selected.isEmpty()) {
        log.warn("Closed as failed: {} queued turn(s): {}", selected.size(), reason);
      }
      return chain;
    });
  }

  /**
   * The running turns whose engine node matches (and the turns already waiting for an engine): with
   * {@code AGENTX_RESUME_TURNS} (the default) each is marked interrupted and offered to the engines;
   * otherwise each is closed as failed with its closing events published.
   */
  private Future<Void> recoverRunningTurns(Predicate<String> engineNode, ErrorCode code, String reason) {
    return recovery.runningTurns().compose(all -> {
      List<TurnRecovery.RunningTurn> selected = all.stream()
          .filter(t -> "interrupted".equals(t.status()) || engineNode.test(t.engineNode())).toList();
      Future<Void> chain = Future.succeededFuture();
      for (TurnRecovery.RunningTurn turn : selected) {
        if (resumeTurns) {
          chain = chain.compose(v -> ("interrupted".equals(turn.status()) ? Future.succeededFuture(true) : recovery.interrupt(turn))
              .map(offer -> {
                if (offer) {
                  resumable(turn.turnId(), turn.sessionId());
                }
                return null;
              }));
        } else {
          chain = chain.compose(v -> recovery.fail(turn, code, reason).map(stored -> {
            published(stored);
            return null;
          }));
        }
      }
      if (!selected.isEmpty()) {
        log.warn("{} {} turn(s): {}", resumeTurns ? "To be resumed:" : "Closed as failed:", selected.size(), reason);
      }
      return chain;
    });
  }
}
