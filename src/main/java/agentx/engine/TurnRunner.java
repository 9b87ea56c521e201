package agentx.engine;

import agentx.engine.anthropic.AnthropicClient;
import agentx.engine.anthropic.AnthropicException;
import agentx.engine.anthropic.CallSlots;
import agentx.engine.anthropic.StreamCall;
import agentx.engine.anthropic.StreamListener;
import agentx.events.AgentXException;
import agentx.events.Ids;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.events.Metrics;
import agentx.events.Times;
import agentx.models.RequestShaper;
import agentx.events.ToolApproval;
import agentx.protocol.AppendMessage;
import agentx.protocol.AssistantReply;
import agentx.protocol.BeginTurn;
import agentx.protocol.BusyTurn;
import agentx.protocol.QueuedTurn;
import agentx.protocol.FinishTurn;
import agentx.protocol.HistoryEntry;
import agentx.protocol.ParkTurn;
import agentx.protocol.ResumableTurn;
import agentx.protocol.StoreClient;
import agentx.protocol.StoredMessage;
import agentx.protocol.ToolCallRecord;
import agentx.protocol.ToolProgress;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolsClient;
import agentx.protocol.TurnAccepted;
import agentx.protocol.TurnOutcome;
import agentx.protocol.TurnProgress;
import agentx.protocol.TurnSummary;
import agentx.protocol.TurnUsageSoFar;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One turn's lifecycle: the user's message, then Claude calls and tool rounds until Claude stops
 * asking for tools, then the summary. Emits the four event layers in the order of DESIGN §4.2 and
 * ends with exactly one {@code turn} event whatever happens (completed, cancelled or failed). The
 * request body is {@link ClaudeRequest}'s, the tools {@link TurnTools}', the usage {@link TurnUsage}'s.
 *
 * <p>Every step boundary is in the store (the user's message, each Claude answer, each finished tool
 * call, each round's results), so a turn can also be carried on from there ({@link ResumableTurn}):
 * after its engine died, or once the approvals it stopped for ({@code tool_approval: ask}) are
 * answered. A resumed turn redoes a Claude call that was cut off, never a stored one, and never
 * runs a finished tool call again.
 */
final class TurnRunner {
  private static final Logger log = LoggerFactory.getLogger(TurnRunner.class);

  private final AnthropicClient client;
  private final StoreClient store;
  private final TurnSettings settings;
  private final String sessionId;
  private final String turnId;
  private final String content;
  /** The message as content blocks (text and images) when it came so, else null. */
  private final JsonArray blocks;
  /** A turn carried on from the store, or null for a new one. */
  private final ResumableTurn resume;
  /** The turn's tool calls as stored (finished ones, answered approvals), by tool_use id. */
  private final Map<String, ToolCallRecord> storedCalls = new HashMap<>();
  /** What the session's earlier turns cost, for {@code max_session_cost_usd}. */
  private final double sessionSpentUsd;
  private final String engineNode;
  private final EventLog events;
  private final TurnTools tools;
  private final TurnUsage usage;
  private final Metrics metrics;
  private final ContextFit contextFit;

  /** Engines that died under one turn before it is given up with TURN_NOT_RESUMABLE. */
  static final int MAX_INTERRUPTIONS = 3;
  /** A start that finds another turn of the session running tries again after this, doubled each time up to the next. */
  private static final long BUSY_RETRY_MIN_MS = 100;
  private static final long BUSY_RETRY_MAX_MS = 2_000;

  private final long startedAtMs;
  private final String userMessageId;
  private final Promise<TurnOutcome> outcome = Promise.promise();
  /**
   * The usage the running Claude call's {@code message_start} reported (its input, billed by the API once the
   * answer starts), and that call's model: counted if the call never ends (a cancel, an error mid-stream).
   */
  private JsonObject cutCallUsage;
  private String cutCallModel;
  /**
   * Characters the running call streamed (text, thinking, tool input): a cut call's output is billed, but its
   * count (the {@code message_delta} at its end) never arrives, so it is estimated from them.
   */
  private long cutCallChars;
  /** When the running call's figures last went to the store ({@link #recordRunningCall}). */
  private long figuresSentNanos;
  /** Completed when the turn is stopped (a cancel, its timeout, its engine stopping). */
  private final Promise<Void> stopSignal = Promise.promise();
  /** The message's own {@code system}, stored with the turn so another engine can resume it. */
  private final String systemOfRequest;
  /** Tool calls of the turn made before it was resumed (their details are in the stored messages). */
  private long earlierToolCalls;
  /** Completes with {@link TurnAccepted#RUNNING} once the turn is stored as running, or {@link TurnAccepted#QUEUED} when it waits first. */
  private final Promise<String> started = Promise.promise();
  private List<JsonObject> conversation = List.of();

  private final JsonArray toolCalls = new JsonArray();
  private String lastAssistantId;
  private String lastAssistantText = "";
  private String stopReason;

  private StreamCall currentCall;
  private final StringBuilder partialText = new StringBuilder();
  /** Set once the turn is asked to stop; {@link #stopFailure} says why when it is not a user's cancel. */
  private boolean stopping;
  private AgentXException stopFailure;
  private boolean finished;
  /** The turn was recorded as queued behind the session's running one; its start takes over that row. */
  private boolean queued;
  /** Whether the turn waits when the store finds another turn of the session running, or is refused at once. */
  private boolean waitsWhenBusy = true;
  /** Whether this engine runs the turn with the given id (its own turns the store has running may have lost their close). */
  private Predicate<String> runsHere = turnId -> true;
  /** The turn this runner closed as abandoned before starting, so it never does it twice. */
  private String abandoned;
  /** While the start waits for another running turn of the session: completed early by {@link #stop}. */
  private Promise<Void> busyWait;
  /** While the start waits: the id of the session's running turn it waits for (see {@link #waitingBehind}). */
  private String waitingBehind;

  /** @param requestSystem the message's own {@code system} (kept with the turn, for resuming it), or null */
  TurnRunner(AnthropicClient client, TokenCounter counter, StoreClient store, ToolsClient toolsClient, Pricing pricing,
      TurnSettings settings, String sessionId, String turnId, String content, JsonArray blocks, String requestSystem, String engineNode,
      double sessionSpentUsd, Metrics metrics) {
    this(client, counter, store, toolsClient, pricing, settings, sessionId, turnId, content, blocks, requestSystem, engineNode,
        sessionSpentUsd, metrics, null);
  }

  /** Marks the turn as one the store recorded as queued ({@link agentx.protocol.QueuedTurn}); before {@link #run()}. */
  TurnRunner queued() {
    this.queued = true;
    return this;
  }

  /**
   * What the start does when the store finds another turn of the session running although this
   * engine holds the session's lock: the lock in a cluster can be granted twice for a moment (README,
   * Known limits). Such a turn waits, stored as queued, and starts once the other has ended ({@code
   * wait}: the busy policy is to queue), or is refused. A turn of this engine node that {@code
   * runsHere} does not know is one whose end the store failed to record: it is closed, and this one starts.
   */
  TurnRunner whenBusy(boolean wait, Predicate<String> runsHere) {
    this.waitsWhenBusy = wait;
    this.runsHere = runsHere;
    return this;
  }

  /**
   * Closes a turn the store recorded as queued, and that will not start, as failed for {@code why}
   * (with its turn event): its client hears of it, and {@code /turns} does not show it queued for good.
   */
  static void closeQueued(StoreClient store, String sessionId, String turnId, Throwable why) {
    closeQueued(store, QueuedTurn.dropped(sessionId, turnId, ErrorCode.of(why).name(), why.getMessage()));
  }

  /** Closes a queued turn as {@code turn} says: failed with its error, or cancelled without one. */
  private static void closeQueued(StoreClient store, QueuedTurn turn) {
    store.unqueueTurn(turn).onFailure(e -> log.warn("Could not close queued turn {} as {}: {}", turn.turnId(),
        turn.errorCode() == null ? "cancelled" : "failed", e.getMessage()));
  }

  /** A turn carried on from the store ({@link #run()} then resumes it). */
  static TurnRunner resumed(AnthropicClient client, TokenCounter counter, StoreClient store, ToolsClient toolsClient, Pricing pricing,
      TurnSettings settings, ResumableTurn turn, String engineNode, double sessionSpentUsd, Metrics metrics) {
    return new TurnRunner(client, counter, store, toolsClient, pricing, settings, turn.sessionId(), turn.turnId(), null, null,
        turn.system(), engineNode, sessionSpentUsd, metrics, turn);
  }

  private TurnRunner(AnthropicClient client, TokenCounter counter, StoreClient store, ToolsClient toolsClient, Pricing pricing,
      TurnSettings settings, String sessionId, String turnId, String content, JsonArray blocks, String requestSystem, String engineNode,
      double sessionSpentUsd, Metrics metrics, ResumableTurn resume) {
    this.resume = resume;
    this.systemOfRequest = requestSystem;
    this.userMessageId = resume != null ? resume.userMessageId() : Ids.timeOrdered();
    this.startedAtMs = resume != null ? startedAt(resume.startedAt()) : System.currentTimeMillis();
    this.client = client;
    this.contextFit = new ContextFit(counter);
    this.store = store;
    this.settings = settings;
    this.sessionId = sessionId;
    this.turnId = turnId;
    this.content = content;
    this.blocks = blocks;
    this.engineNode = engineNode;
    this.sessionSpentUsd = sessionSpentUsd;
    this.events = new EventLog(store, sessionId, turnId, this::stop);
    // back-pressure: while the store lags behind, Claude's stream waits in its TCP window, not on the heap
    this.events.onBacklog(held -> {
      if (currentCall != null) {
        currentCall.hold(held);
      }
    });
    this.tools = new TurnTools(toolsClient, sessionId, turnId, events, settings.toolTimeoutMs());
    this.metrics = metrics;
    this.usage = new TurnUsage(pricing, metrics);
  }

  private static long startedAt(String iso) {
    try {
      return Instant.parse(iso).toEpochMilli();
    } catch (RuntimeException e) {
      return System.currentTimeMillis();
    }
  }

  /**
   * Runs the turn; the future gives the AssistantReply (or that the turn stopped to wait for
   * approvals), or fails with an {@link AgentXException} after the turn is closed.
   */
  Future<TurnOutcome> run() {
    metrics.turnStarted();
    if (resume != null) {
      return carryOn();
    }
    JsonArray given = blocks != null ? blocks : new JsonArray().add(new JsonObject().put("type", "text").put("text", content));
    StoredMessage[] userMessage = new StoredMessage[1];
    // attached images go to ComfyUI's input folder first, so the message can tell Claude their names
    tools.uploadAttachments(given)
        .compose(userBlocks -> {
          userMessage[0] = message(userMessageId, "user", content, userBlocks, new JsonArray(), 0, 0, null, null);
          // the user's message and the turn are stored together: a crash cannot leave one without the other
          return begin(userMessage[0], BUSY_RETRY_MIN_MS)
              .onComplete(begun -> waitingBehind = null)
              .recover(refused -> {
                // no turn was stored (the session waits for an approval, or the store is down): nothing to close
                finished = true;
                if (refused instanceof CancelledWaiting) {
                  // cancelled while it waited for another turn of the session: closed as cancelled, nothing ran
                  metrics.turnEnded("cancelled");
                  stopReason = "cancelled";
                  closeQueued(store, QueuedTurn.cancelled(sessionId, turnId));
                  outcome.tryComplete(TurnOutcome.of(reply()));
                  return Future.failedFuture(refused);
                }
                metrics.turnEnded("refused");
                AgentXException failure = toAgentX(refused);
                if (queued) {
                  // a queued turn's row would stay queued: closed with the refusal, so its client hears of it
                  closeQueued(store, sessionId, turnId, failure);
                }
                outcome.tryFail(failure);
                return Future.failedFuture(refused);
              });
        })
        // a client that does not wait for the answer is told the turn runs only once it is stored, else why it was refused
        .onComplete(begun -> {
          if (begun.succeeded()) {
            started.tryComplete(TurnAccepted.RUNNING);
          } else {
            started.tryFail(toAgentX(begun.cause()));
          }
        })
        .compose(v -> {
          StoredMessage userMessage1 = userMessage[0];
          events.emit(Events.MESSAGE, userMessage1.eventData());
          warnAboutLeftOutSettings();
          // "thinking" goes with the user's message; the history is read and the request built once the call may go
          return beforeCall().compose(ready -> takeSlot());
        })
        .compose(slot -> callWith(slot,
            () -> Future.all(loadHistory(), settings.toolsEnabled() ? tools.load() : Future.succeededFuture())))
        .onFailure(this::fail);
    return outcome.future();
  }

  /**
   * Stores the user's message and the running turn; while the store finds another turn of the
   * session running (see {@link #whenBusy}), waits as a queued turn and tries again, every
   * {@code retryMs} doubled up to 2 s, until it starts, is stopped (cancel, the turn's timeout), or fails.
   */
  private Future<Void> begin(StoredMessage user, long retryMs) {
    return store.beginTurn(new BeginTurn(turnId, sessionId, engineNode, user, systemOfRequest, queued)).recover(refused -> {
      BusyTurn other = BusyTurn.of(refused);
      if (other == null) {
        return Future.failedFuture(refused);
      }
      if (stopping) {
        return Future.failedFuture(stoppedWaiting());
      }
      if (engineNode.equals(other.engineNode()) && !runsHere.test(other.turnId()) && !other.turnId().equals(abandoned)) {
        abandoned = other.turnId();
        log.warn("Turn {} of session {} is still running in the store, but not on this engine (its end could not be recorded): closing it",
            other.turnId(), sessionId);
        return store.abandonTurn(other).compose(v -> begin(user, retryMs));
      }
      if (!waitsWhenBusy) {
        return Future.failedFuture(refused);
      }
      waitingBehind = other.turnId();
      if (retryMs == BUSY_RETRY_MIN_MS) {
        log.info("Turn {} of session {} waits: turn {} of the session is running on engine node {}", turnId, sessionId, other.turnId(),
            other.engineNode());
      }
      Future<Void> recorded = queued ? Future.succeededFuture() : store.queueTurn(QueuedTurn.accepted(sessionId, turnId, engineNode))
          .onSuccess(v -> {
            queued = true;
            started.tryComplete(TurnAccepted.QUEUED);
          });
      return recorded.compose(v -> {
        Vertx vertx = Vertx.currentContext().owner();
        Promise<Void> wake = Promise.promise();
        busyWait = wake;
        long timer = vertx.setTimer(retryMs, t -> wake.tryComplete());
        return wake.future().onComplete(w -> vertx.cancelTimer(timer));
      }).compose(v -> {
        busyWait = null;
        if (stopping) {
          return Future.failedFuture(stoppedWaiting());
        }
        return begin(user, Math.min(retryMs * 2, BUSY_RETRY_MAX_MS));
      });
    });
  }

  /** Why a start that waited for another turn of the session ends: the stop's reason, or its user's cancel. */
  private RuntimeException stoppedWaiting() {
    return stopFailure != null ? stopFailure : new CancelledWaiting();
  }

  /**
   * Carries a turn on from the store: the history holds its messages so far. Where it stopped
   * decides what comes next: after a Claude answer that asked for tools, that round (stored results
   * reused, approvals applied); after a final answer, the summary; else the next Claude call (one
   * that was cut off mid-stream is made again: the {@code resumed} state tells clients that the text
   * streamed before it is superseded).
   */
  private Future<TurnOutcome> carryOn() {
    started.tryComplete(TurnAccepted.RUNNING);
    usage.seed(resume.usage());
    earlierToolCalls = resume.usage().toolCalls();
    resume.calls().forEach(c -> storedCalls.put(c.callId(), c));
    // answered approvals not yet acted on: the turn goes on because a person answered (a call only started means its engine died)
    boolean answered = resume.calls().stream().anyMatch(c -> Set.of(ToolCallRecord.APPROVED, ToolCallRecord.DENIED,
        ToolCallRecord.CANCELLED).contains(c.state()));
    events.emit(Events.STATE, Events.state("resumed", null, null, new JsonObject()
        .put("reason", answered ? "approval_answered" : "interrupted").put("interruptions", resume.interruptions())));
    if (resume.interruptions() > MAX_INTERRUPTIONS) {
      fail(new AgentXException(ErrorCode.TURN_NOT_RESUMABLE, "The engine running this turn stopped " + resume.interruptions()
          + " times; it is not resumed again."));
      return outcome.future();
    }
    log.info("Resuming turn {} of session {} ({})", turnId, sessionId, answered ? "approvals answered" : "interrupted "
        + resume.interruptions() + " time(s)");
    Future.all(store.history(sessionId), settings.toolsEnabled() ? tools.load() : Future.succeededFuture())
        .compose(loaded -> {
          List<HistoryEntry> history = loaded.resultAt(0);
          HistoryEntry last = history.isEmpty() ? null : history.get(history.size() - 1);
          boolean ownAnswer = last != null && "assistant".equals(last.role()) && turnId.equals(last.turnId());
          if (ownAnswer) {
            lastAssistantId = last.messageId();
            lastAssistantText = textOf(last.blocks());
            stopReason = last.stopReason();
            List<JsonObject> toolUses = toolUses(last.blocks());
            if ("tool_use".equals(last.stopReason()) && !toolUses.isEmpty()) {
              // the answer that asked for tools goes back as it is: repair would drop its unanswered tool_use blocks
              conversation = with(Conversation.fromHistory(history.subList(0, history.size() - 1)),
                  new JsonObject().put("role", "assistant").put("content", last.blocks().copy()));
              return round(toolUses, true);
            }
            conversation = Conversation.fromHistory(history);
            return complete();
          }
          conversation = Conversation.fromHistory(history);
          return step();
        })
        .onFailure(this::fail);
    return outcome.future();
  }

  private static List<JsonObject> toolUses(JsonArray blocks) {
    return blocks.stream().map(b -> (JsonObject) b).filter(b -> "tool_use".equals(b.getString("type"))).toList();
  }

  String sessionId() {
    return sessionId;
  }

  String turnId() {
    return turnId;
  }

  /**
   * Completes once the turn is recorded in the store (or could not be): {@link TurnAccepted#RUNNING}, or
   * {@link TurnAccepted#QUEUED} when it waits for another running turn of the session first; {@code
   * GET /turns/{id}} then finds it.
   */
  Future<String> started() {
    return started.future();
  }

  /**
   * A stored config the model refuses (saved before the checks, or valid for the model the session
   * had then) does not fail the turn: the setting is left out of the request and the client is told
   * with a {@code state} warning, once per turn.
   */
  private void warnAboutLeftOutSettings() {
    for (RequestShaper.Violation v : settings.request().violations()) {
      log.warn("Turn {} of session {}: {} It is left out of the request.", turnId, sessionId, v.message());
      events.emit(Events.STATE, Events.state("warning", null, null, new JsonObject()
          .put("code", ErrorCode.VALIDATION_FAILED.name())
          .put("field", "config." + v.field())
          .put("message", v.message() + " It was left out of the request.")));
    }
    if (!settings.request().adjustments().isEmpty()) {
      log.debug("Turn {} of session {}: {}", turnId, sessionId, settings.request().adjustments());
    }
  }

  /**
   * The id of the session's turn this one's start waits for (the store found it running although this
   * engine holds the session's lock: a double grant in a cluster), or null once the start is over. A
   * cancel of the session is meant for that running turn.
   */
  String waitingBehind() {
    return waitingBehind;
  }

  /** Stops the turn: cancelled by a user ({@code reason} null) or failed with {@code reason} (a timeout, the store failing). */
  void stop(AgentXException reason) {
    if (finished || stopping) {
      return;
    }
    stopping = true;
    stopFailure = reason;
    stopSignal.tryComplete();
    if (busyWait != null) {
      busyWait.tryComplete();
    }
    if (currentCall != null) {
      currentCall.cancel();
    }
    tools.cancelAll("The tool call was cancelled because the turn was "
        + (reason == null ? "cancelled." : "stopped: " + reason.getMessage()));
  }

  /**
   * {@code work}'s result, or a failure as soon as the turn is stopped: a cancel does not wait for what the turn was
   * waiting for (counting the request's tokens takes up to 10 s against a slow API).
   */
  private <T> Future<T> unlessStopped(Future<T> work) {
    Promise<T> either = Promise.promise();
    work.onComplete(either);
    stopSignal.future().onComplete(v -> either.tryFail("stopped"));
    return either.future();
  }

  /**
   * A call that started answering and never ended still cost its input and what it streamed: counted once, before
   * the turn's totals are read. The output is the larger of what {@code message_start} reported and the streamed
   * characters at {@link Conversation#CHARS_PER_TOKEN} a token (the context fit's estimate). Answers whether there was one.
   */
  private boolean chargeCutCall() {
    if (cutCallUsage == null) {
      return false;
    }
    usage.add(runningCallBilled(), cutCallModel);
    cutCallUsage = null;
    return true;
  }

  /** The running call's usage as billed so far: {@code message_start}'s, its output at least the streamed characters' estimate. */
  private JsonObject runningCallBilled() {
    long estimated = (cutCallChars + Conversation.CHARS_PER_TOKEN - 1) / Conversation.CHARS_PER_TOKEN;
    if (estimated > cutCallUsage.getLong("output_tokens", 0L)) {
      cutCallUsage.put("output_tokens", estimated);
    }
    return cutCallUsage;
  }

  /** At most this often a streaming call's figures (its output so far estimated) go with the turn's events. */
  static final long RUNNING_FIGURES_NANOS = 1_000_000_000L;

  /**
   * The turn's figures with the running call's billing so far go with its next events: at the call's start, then at
   * most once every {@link #RUNNING_FIGURES_NANOS} while it streams, so an engine killed mid-call leaves its input
   * and nearly all of its output counted for the engine that resumes the turn (a graceful stop counts it all itself:
   * {@link #chargeCutCall}). The figures ride with the event emitted next (this token's), in its transaction.
   */
  private void recordRunningCall(boolean start) {
    if (stopping || cutCallUsage == null) {
      return;
    }
    long now = System.nanoTime();
    if (!start && now - figuresSentNanos < RUNNING_FIGURES_NANOS) {
      return;
    }
    figuresSentNanos = now;
    events.recordProgress(new TurnProgress(turnId, usage.withRunningCall(runningCallBilled(), cutCallModel, toolCallCount())));
  }

  /** Why a turn's start ended: its user cancelled it while it waited for another turn of the session (see {@link #begin}). */
  private static final class CancelledWaiting extends RuntimeException {
    CancelledWaiting() {
      super("The turn was cancelled before it started.", null, false, false);
    }
  }

  /** Why a turn's run ended without an answer: its engine stopped and left the turn to be resumed. */
  static final class HandedOver extends RuntimeException {
    HandedOver() {
      super("The engine stopped; the turn is left to be resumed by another engine.", null, false, false);
    }
  }

  /**
   * The engine is stopping and the turn is left, running in the store, to be resumed ({@code
   * AGENTX_RESUME_TURNS}): by another engine once this node has left the cluster, or by this one after
   * a restart. Claude's stream stops; tool calls are not cancelled (a ComfyUI run goes on and is
   * re-attached); what was emitted is stored, nothing more. Completes once that is done.
   */
  Future<Void> handOver() {
    if (finished) {
      // ended, parked, or closing: a close in flight (its answer, its end, its closing events) is waited for,
      // so the engine's stop does not cut it off between the store's commit and the events
      return outcome.future().<Void>mapEmpty().otherwiseEmpty();
    }
    finished = true;
    stopping = true;
    // a start still waiting for another turn of the session has nothing to resume: it is closed like a
    // queued turn whose engine went away (a turn that runs is left to be resumed, and never reads this)
    stopFailure = new AgentXException(ErrorCode.SERVICE_UNAVAILABLE, "The engine node stopped before this turn could start.");
    if (busyWait != null) {
      busyWait.tryComplete();
    }
    if (currentCall != null) {
      currentCall.cancel();
      currentCall = null;
    }
    tools.close();
    // the Claude call cut off here was billed: its usage goes with the turn's last events, so the resuming engine
    // counts it, what it streamed up to its last token included
    events.seal(chargeCutCall() ? new TurnProgress(turnId, usageSoFar()) : null);
    metrics.turnEnded("handed_over");
    log.info("Turn {} of session {} is left to be resumed: this engine is stopping", turnId, sessionId);
    outcome.tryFail(new HandedOver());
    return events.drain();
  }

  void onToolProgress(ToolProgress progress) {
    if (!finished) {
      tools.onProgress(progress);
    }
  }

  private Future<Void> loadHistory() {
    return store.history(sessionId).map(h -> {
      conversation = Conversation.fromHistory(h);
      return null;
    });
  }

  // --- one Claude call ---

  private Future<Void> step() {
    return beforeCall().compose(ready -> takeSlot()).compose(slot -> callWith(slot, Future::succeededFuture));
  }

  /** Before each Claude call, with nothing to wait for: the spending checked, "thinking" shown. */
  private Future<Void> beforeCall() {
    if (stopping) {
      return Future.failedFuture("stopped");
    }
    chargeCutCall();
    AgentXException overBudget = budgetCheck();
    if (overBudget != null) {
      return Future.failedFuture(overBudget);
    }
    events.emit(Events.STATE, Events.state("thinking"));
    emptyPartialText();
    return Future.succeededFuture();
  }

  /** A {@link CallSlots call slot}: at once, or once a call of another turn ends; given back if the turn is stopped meanwhile. */
  private Future<CallSlots.Slot> takeSlot() {
    Future<CallSlots.Slot> taken = client.callSlot();
    if (taken.succeeded()) {
      return taken;
    }
    return unlessStopped(taken).recover(stopped -> {
      client.withdraw(taken);
      return Future.failedFuture(stopped);
    });
  }

  /**
   * The call itself, after {@code prepare} (the first call's history read), holding {@code slot} until Claude's answer
   * has ended or anything on the way failed (thrown or not), then the answer's handling.
   */
  private Future<Void> callWith(CallSlots.Slot slot, Supplier<Future<?>> prepare) {
    Future<JsonObject> answered;
    try {
      answered = prepare.get().compose(ready -> askClaude());
    } catch (RuntimeException thrown) {
      answered = Future.failedFuture(thrown);
    }
    answered.onComplete(ended -> slot.release());
    return answered.compose(this::onAssistantMessage);
  }

  private Future<JsonObject> askClaude() {
    if (stopping) {
      return Future.failedFuture("stopped");
    }
    usage.countCall(); // counted once it goes: a turn stopped while it waited for its slot made no call
    return unlessStopped(contextFit.request(settings, conversation, tools.specs())).compose(body -> {
      if (stopping) {
        return Future.failedFuture("stopped"); // cancelled while the tokens were counted
      }
      currentCall = client.stream(body, ClaudeRequest.betas(settings), new Listener(System.nanoTime()));
      currentCall.hold(events.backlogHigh());
      return currentCall.result();
    });
  }

  /**
   * Before each Claude call: the turn's and the session's spending so far against their limits. A limit that cannot
   * be kept refuses the call too: the model has no price, or a call of the turn billed a token category its prices
   * leave out (its cost is unknown). Counted as free, such calls would never reach the limit.
   */
  private AgentXException budgetCheck() {
    String limit = settings.maxTurnCostUsd() != null ? "max_turn_cost_usd"
        : settings.maxSessionCostUsd() != null ? "max_session_cost_usd" : null;
    if (limit == null) {
      return null;
    }
    if (!usage.priced(settings.model())) {
      return new AgentXException(ErrorCode.BUDGET_EXCEEDED, "Model " + settings.model() + " has no price, so the spending limit "
          + limit + " cannot be kept; no Claude call was made. Give the model its prices (AGENTX_PRICES or AGENTX_MODELS_FILE) "
          + "or remove the limit.", new JsonObject().put("limit", limit).put("reason", "unpriced_model").put("model", settings.model()));
    }
    if (usage.costUsd() == null) {
      return new AgentXException(ErrorCode.BUDGET_EXCEEDED, "A Claude call of this turn billed tokens its model's prices leave out "
          + "(cache writes or reads), so the turn's cost is unknown and the spending limit " + limit + " cannot be kept; no further "
          + "Claude call was made. Complete the model's prices (AGENTX_PRICES or AGENTX_MODELS_FILE) or remove the limit.",
          new JsonObject().put("limit", limit).put("reason", "unpriced_usage").put("model", settings.model()));
    }
    double turn = usage.costUsd();
    if (settings.maxTurnCostUsd() != null && turn >= settings.maxTurnCostUsd()) {
      return new AgentXException(ErrorCode.BUDGET_EXCEEDED, String.format(java.util.Locale.ROOT,
          "This turn has cost $%.4f, which reached its limit max_turn_cost_usd = $%.4f; no further Claude call was made.",
          turn, settings.maxTurnCostUsd()), new JsonObject().put("limit", "max_turn_cost_usd").put("spent_usd", turn));
    }
    if (settings.maxSessionCostUsd() != null && sessionSpentUsd + turn >= settings.maxSessionCostUsd()) {
      return new AgentXException(ErrorCode.BUDGET_EXCEEDED, String.format(java.util.Locale.ROOT,
          "This session has cost $%.4f, which reached its limit max_session_cost_usd = $%.4f; no further Claude call was made.",
          sessionSpentUsd + turn, settings.maxSessionCostUsd()),
          new JsonObject().put("limit", "max_session_cost_usd").put("spent_usd", sessionSpentUsd + turn));
    }
    return null;
  }


  private final class Listener implements StreamListener {
    private final long sentNanos;
    private boolean responding;
    private boolean firstTokenSeen;

    Listener(long sentNanos) {
      this.sentNanos = sentNanos;
    }

    /** Time to first token: from sending the request (retries included) to the first streamed block of any kind. */
    private void firstToken() {
      if (!firstTokenSeen) {
        firstTokenSeen = true;
        metrics.timeToFirstToken(System.nanoTime() - sentNanos);
      }
    }

    @Override
    public void onMessageStart(JsonObject message) {
      cutCallUsage = message.getValue("usage") instanceof JsonObject reported ? reported.copy() : new JsonObject();
      cutCallModel = message.getValue("model") instanceof String model ? model : settings.model();
      cutCallChars = 0;
      recordRunningCall(true); // billed from here on
    }

    @Override
    public void onToolInputDelta(String partialJson) {
      cutCallChars += partialJson.length();
      recordRunningCall(false);
    }

    @Override
    public void onToolUseStart(String id, String name) {
      firstToken();
    }

    @Override
    public void onTextDelta(String text) {
      firstToken();
      cutCallChars += text.length();
      recordRunningCall(false);
      if (stopping) {
        return;
      }
      if (!responding) {
        responding = true;
        events.emit(Events.STATE, Events.state("responding"));
      }
      partialText.append(text);
      events.emit(Events.STREAM, text);
    }

    @Override
    public void onThinkingDelta(String text) {
      firstToken();
      cutCallChars += text.length();
      recordRunningCall(false);
      if (settings.streamThinking() && !stopping) {
        events.emitThinking(text);
      }
    }

    @Override
    public void onRetry(int attempt, int maxRetries, long delayMs, String reason) {
      metrics.llmRetry();
      events.emit(Events.STATE, Events.state("retrying", null, null, new JsonObject()
          .put("attempt", attempt).put("max", maxRetries).put("delay_ms", delayMs).put("reason", reason)));
    }
  }

  private Future<Void> onAssistantMessage(JsonObject message) {
    currentCall = null;
    cutCallUsage = null; // the answer's own usage (message_start's included) is counted below
    logContextEdits(message.getJsonObject("context_management"));
    long[] inOut = usage.add(message.getJsonObject("usage", new JsonObject()), message.getString("model", settings.model()));
    JsonArray blocks = message.getJsonArray("content", new JsonArray());
    List<JsonObject> toolUses = toolUses(blocks);
    JsonArray calls = new JsonArray();
    for (JsonObject use : toolUses) {
      events.emit(Events.STATE, Events.state("calling_tool", use.getString("name"), use.getString("id"), null));
      calls.add(new JsonObject().put("id", use.getString("id")).put("name", use.getString("name")).put("arguments", use.getJsonObject("input")));
    }
    stopReason = message.getString("stop_reason");
    lastAssistantId = Ids.timeOrdered();
    lastAssistantText = textOf(blocks);
    StoredMessage assistant = message(lastAssistantId, "assistant", lastAssistantText, blocks, calls, inOut[0], inOut[1], stopReason,
        message.getString("model"));
    if (!"tool_use".equals(stopReason) || toolUses.isEmpty()) {
      // the last answer: stored with the turn's end, in one transaction
      return complete(assistant);
    }
    conversation = with(conversation, new JsonObject().put("role", "assistant").put("content", blocks));
    // the call's figures sent with its events (an estimate of its output) are stored first, never after these
    return events.drain()
        .compose(v -> saved(store.appendMessage(new AppendMessage(assistant, usageSoFar())), "Claude's answer"))
        .compose(v -> {
          events.emit(Events.MESSAGE, assistant.eventData());
          return round(toolUses, false);
        });
  }

  /**
   * One tool round: each call is decided by what is stored of it (a finished result is reused, an
   * answered approval applied) or else by {@code tool_approval}. What may run runs (each result
   * stored as it comes); then, if calls wait for a person, the turn stops here and no engine holds
   * it until they are answered; else ALL results go back to Claude in one message and the loop goes on.
   *
   * @param resumed the round started before the turn was interrupted (a call may have been started)
   */
  private Future<Void> round(List<JsonObject> toolUses, boolean resumed) {
    Map<String, ToolResult> results = new LinkedHashMap<>();
    List<JsonObject> toRun = new ArrayList<>();
    // what ran, by id: a person may have approved a call with other input than Claude's
    Map<String, JsonObject> ran = new HashMap<>();
    List<ToolCallRecord> toAsk = new ArrayList<>();
    Set<String> startedBefore = new HashSet<>();
    String expiresAt = settings.approvalTimeoutMs() > 0 ? Times.format(System.currentTimeMillis() + settings.approvalTimeoutMs()) : null;
    for (JsonObject use : toolUses) {
      String id = use.getString("id");
      String name = use.getString("name");
      ToolCallRecord stored = storedCalls.get(id);
      String state = stored == null ? null : stored.state();
      if (ToolCallRecord.CANCELLED.equals(state)) {
        stop(null);
        return Future.failedFuture("stopped");
      } else if (ToolCallRecord.DONE.equals(state) && stored.result() != null) {
        results.put(id, ToolResult.fromJson(stored.result()));
      } else if (ToolCallRecord.DENIED.equals(state)) {
        results.put(id, ToolResult.error("The user declined this call of " + name
            + (stored.reason() == null || stored.reason().isBlank() ? "." : ": " + stored.reason())));
      } else if (ToolCallRecord.APPROVED.equals(state) || ToolCallRecord.STARTED.equals(state)) {
        toRun.add(stored.editedInput() == null ? use : use.copy().put("input", stored.editedInput()));
        if (ToolCallRecord.STARTED.equals(state)) {
          // it ran when this turn's engine stopped: its tool runs it again only if that is safe (Tool.resumesSafely)
          startedBefore.add(id);
        }
      } else {
        ToolApproval.Policy policy = settings.approval().policyFor(name);
        if (policy == ToolApproval.Policy.DENY) {
          results.put(id, ToolResult.error("The tool " + name + " is not allowed in this session (config.tool_approval denies it)."));
        } else if (policy == ToolApproval.Policy.ASK) {
          toAsk.add(ToolCallRecord.awaiting(sessionId, turnId, id, name, use.getJsonObject("input", new JsonObject()), expiresAt));
        } else {
          toRun.add(use);
        }
      }
    }
    if (resumed) {
      // the calling_tool states of the first attempt came before the wait (or the interruption)
      toRun.forEach(use -> events.emit(Events.STATE, Events.state("calling_tool", use.getString("name"), use.getString("id"), null)));
    }
    // stored as started before they run: a turn resumed after this engine stops knows which may have had their effect
    List<ToolCallRecord> starting = toRun.stream().map(use -> ToolCallRecord.started(sessionId, turnId, use.getString("id"),
        use.getString("name"), use.getJsonObject("input", new JsonObject()))).toList();
    return (starting.isEmpty() ? Future.<Void>succeededFuture() : saved(store.toolCallsStarted(starting), "the tool calls"))
        .compose(v -> tools.run(toRun, startedBefore, (use, result) -> saved(store.toolCallDone(ToolCallRecord.done(sessionId, turnId,
            use.getString("id"), use.getString("name"), use.getJsonObject("input", new JsonObject()), result)), "a tool call's result")))
        .compose(done -> {
          for (int i = 0; i < toRun.size(); i++) {
            results.put(toRun.get(i).getString("id"), done.get(i));
            ran.put(toRun.get(i).getString("id"), toRun.get(i));
          }
          if (stopping) {
            return Future.failedFuture("stopped");
          }
          if (!toAsk.isEmpty()) {
            return park(toAsk);
          }
          List<JsonObject> uses = toolUses.stream().map(u -> ran.getOrDefault(u.getString("id"), u)).toList();
          return onToolResults(TurnTools.round(uses, results)).compose(v2 -> {
            if (stopping) {
              return Future.failedFuture("stopped");
            }
            if (usage.llmCalls() >= settings.maxLlmCalls()) {
              stopReason = "max_llm_calls";
              log.info("Turn {} reached its cap of {} Claude calls", turnId, settings.maxLlmCalls());
              return complete();
            }
            return step();
          });
        });
  }

  /**
   * Stops the turn to wait for approvals: what this engine published is stored first, then the
   * store records the pending calls, the turn and the session as {@code awaiting_approval} and
   * announces each call; the engine lets go of the turn (no thread, connection or lock is held).
   */
  private Future<Void> park(List<ToolCallRecord> toAsk) {
    return events.drain()
        .compose(v -> saved(store.parkTurn(new ParkTurn(sessionId, turnId, toAsk, usageSoFar())), "the approvals to ask for"))
        .map(v -> {
          finished = true;
          currentCall = null;
          tools.close();
          metrics.turnEnded(TurnAccepted.AWAITING_APPROVAL);
          log.info("Turn {} of session {} waits for approval of {}", turnId, sessionId,
              toAsk.stream().map(ToolCallRecord::toolName).toList());
          outcome.tryComplete(TurnOutcome.waiting(new TurnAccepted(sessionId, turnId, TurnAccepted.AWAITING_APPROVAL)));
          return null;
        });
  }

  private long toolCallCount() {
    return earlierToolCalls + toolCalls.size();
  }

  /**
   * What the API's context editing cleared from this call's prompt. Only reported: the stored history
   * stays whole, as the API expects (it edits what the model sees, not what the client sends).
   */
  private void logContextEdits(JsonObject contextManagement) {
    JsonArray edits = contextManagement == null ? null : contextManagement.getJsonArray("applied_edits");
    if (edits == null || edits.isEmpty()) {
      return;
    }
    for (Object o : edits) {
      JsonObject edit = (JsonObject) o;
      log.info("Turn {} of session {}: the API cleared {} tool uses ({} input tokens) from the prompt ({})", turnId, sessionId,
          edit.getValue("cleared_tool_uses"), edit.getValue("cleared_input_tokens"), edit.getString("type"));
    }
  }

  /** ALL results of a round go back in ONE user message. */
  private Future<Void> onToolResults(TurnTools.Round round) {
    toolCalls.addAll(round.calls());
    StoredMessage results = message(Ids.timeOrdered(), "user", "", round.resultBlocks(), round.calls(), 0, 0, null, null);
    conversation = with(conversation, new JsonObject().put("role", "user").put("content", round.resultBlocks()));
    return saved(store.appendMessage(new AppendMessage(results, usageSoFar())), "the tool results")
        .onSuccess(v -> events.emit(Events.MESSAGE, results.eventData()));
  }

  /**
   * The usage so far, stored with each Claude answer and tool round's message (one transaction): {@code GET /turns/{id}}
   * shows it while the turn runs, and a turn resumed after its engine died carries on from it.
   */
  private TurnUsageSoFar usageSoFar() {
    return new TurnUsageSoFar(usage.inputTokens(), usage.outputTokens(), usage.cacheCreationTokens(), usage.cacheReadTokens(),
        usage.costUsd(), usage.llmCalls(), toolCallCount());
  }

  // --- the end of a turn, exactly once ---

  /** @param answer the turn's last answer when it is not stored yet (it is stored with the turn's end), else null */
  private Future<Void> complete(StoredMessage answer) {
    return finish("completed", "done", null, answer).onSuccess(summary -> outcome.tryComplete(TurnOutcome.of(reply()))).mapEmpty();
  }

  private Future<Void> complete() {
    return complete(null);
  }

  private void fail(Throwable failure) {
    if (finished) {
      return;
    }
    if (stopping && stopFailure == null) {
      savePartialAnswer()
          .transform(v -> finish("cancelled", "cancelled", null, null))
          .onComplete(done -> outcome.tryComplete(TurnOutcome.of(reply())));
      return;
    }
    AgentXException error = stopFailure != null ? stopFailure : toAgentX(failure);
    if (error.code() == ErrorCode.INTERNAL) {
      log.error("Turn {} of session {} failed", turnId, sessionId, failure);
    } else {
      log.warn("Turn {} of session {} failed: {} {}", turnId, sessionId, error.code(), error.getMessage());
    }
    boolean overBudget = error.code() == ErrorCode.BUDGET_EXCEEDED;
    finish(overBudget ? "budget_exceeded" : "failed", "error", error, null).onComplete(done -> outcome.tryFail(error));
  }

  /** A cancelled stream keeps what the user already saw: the streamed text, with stop_reason "cancelled". */
  private Future<Void> savePartialAnswer() {
    stopReason = "cancelled";
    if (partialText.length() == 0) {
      return Future.succeededFuture();
    }
    lastAssistantId = Ids.timeOrdered();
    lastAssistantText = partialText.toString();
    JsonArray blocks = new JsonArray().add(new JsonObject().put("type", "text").put("text", lastAssistantText));
    StoredMessage assistant = message(lastAssistantId, "assistant", lastAssistantText, blocks, new JsonArray(), 0, 0, "cancelled",
        settings.model());
    return store.appendMessage(assistant).onSuccess(v -> events.emit(Events.MESSAGE, assistant.eventData()));
  }

  /**
   * Closes the turn in the store, then emits its closing events: the answer's message (when {@code answer} is
   * stored with the close), the final state, the {@code turn} summary. An answer the store could not take fails
   * the call (the turn is then closed as failed, as when any of its messages could not be stored).
   */
  private Future<TurnSummary> finish(String status, String finalState, AgentXException error, StoredMessage answer) {
    if (finished) {
      return Future.failedFuture("already finished");
    }
    finished = true;
    chargeCutCall();
    emptyPartialText();
    conversation = List.of();
    currentCall = null;
    tools.close();
    events.reopen();
    TurnSummary summary = new TurnSummary(turnId, userMessageId, lastAssistantId, Math.max(0, System.currentTimeMillis() - startedAtMs),
        status, usage.inputTokens(), usage.outputTokens(), usage.cacheCreationTokens(), usage.cacheReadTokens(), usage.costUsd(),
        usage.llmCalls(), toolCallCount(), error != null ? "error" : stopReason, error != null ? error.code().name() : null,
        error != null ? error.getMessage() : null);
    String sessionState = error == null || error.code() == ErrorCode.BUDGET_EXCEEDED ? "idle" : "error";
    return store.finishTurn(new FinishTurn(sessionId, sessionState, summary, answer))
        .transform(stored -> {
          if (stored.failed()) {
            log.error("Could not record the end of turn {}: {}", turnId, stored.cause().getMessage());
            if (answer != null) {
              finished = false;
              return Future.failedFuture(storeFailure("Claude's answer", stored.cause()));
            }
          } else if (answer != null) {
            events.emit(Events.MESSAGE, answer.eventData());
          }
          metrics.turnEnded(status);
          events.emit(Events.STATE, error != null ? Events.errorState(error.code(), error.getMessage()) : Events.state(finalState));
          events.emit(Events.TURN, summary.toJson());
          return events.drain();
        })
        .map(v -> summary);
  }

  // A long turn's objects outlive young collections and die in the old generation, where whatever they point at
  // stays alive, copied in every young pause, until the old generation is next collected ("GC nepotism"; at 1,000
  // sessions megabytes per pause: docs/PERFORMANCE.md, round nine). So what lives as long as the turn is not left
  // pointing at what was made late: the conversation is a new list for each message (a list is never given an
  // element younger than itself) and is dropped when the turn ends, and the streamed text's builder lets go of
  // its array, not only the runner of the builder.

  private static List<JsonObject> with(List<JsonObject> conversation, JsonObject message) {
    List<JsonObject> longer = new ArrayList<>(conversation.size() + 1);
    longer.addAll(conversation);
    longer.add(message);
    return longer;
  }

  private void emptyPartialText() {
    partialText.setLength(0);
    partialText.trimToSize();
  }

  private AssistantReply reply() {
    return new AssistantReply(lastAssistantId, lastAssistantText, toolCalls, usage.inputTokens(), usage.outputTokens(), turnId,
        sessionId, stopReason, Times.now());
  }

  // --- helpers ---

  private StoredMessage message(String id, String role, String text, JsonArray blocks, JsonArray calls, long in, long out,
      String stop, String model) {
    return new StoredMessage(id, sessionId, turnId, role, text, blocks, calls, in, out, stop, model, Times.now());
  }

  private static String textOf(JsonArray blocks) {
    return blocks.stream().map(b -> (JsonObject) b).filter(b -> "text".equals(b.getString("type")))
        .map(b -> b.getString("text", "")).collect(Collectors.joining());
  }

  /** {@code write} to the store, failing as {@link #storeFailure} says. */
  private static <T> Future<T> saved(Future<T> write, String what) {
    return write.recover(e -> Future.failedFuture(storeFailure(what, e)));
  }

  /**
   * A store write of the turn that failed inside the store (the database refused it: a full disk, a
   * lost connection) stops the turn with STORE_UNAVAILABLE, as a batch of its events that cannot be
   * stored does ({@link EventLog}); other refusals (the session deleted meanwhile, no store reachable)
   * keep their own code.
   */
  static AgentXException storeFailure(String what, Throwable failure) {
    AgentXException e = toAgentX(failure);
    return e.code() != ErrorCode.INTERNAL && e.code() != ErrorCode.STORE_UNAVAILABLE ? e : new AgentXException(ErrorCode.STORE_UNAVAILABLE,
        "The session store could not save " + what + ", so the turn was stopped: " + e.getMessage());
  }

  /** Upstream failures in the error vocabulary of DESIGN §4.1. */
  static AgentXException toAgentX(Throwable failure) {
    if (failure instanceof AgentXException e) {
      return e;
    }
    if (failure instanceof AnthropicException e) {
      return switch (e.kind()) {
        case RATE_LIMITED -> new AgentXException(ErrorCode.LLM_RATE_LIMITED, "Claude's rate limit was reached: " + e.getMessage(),
            e.retryAfterMs() == null ? null : new JsonObject().put("retry_after_s", Math.max(1, (e.retryAfterMs() + 999) / 1000)));
        case OVERLOADED -> new AgentXException(ErrorCode.LLM_OVERLOADED, "Claude is overloaded right now; try again shortly. (" + e.getMessage() + ")");
        case TIMEOUT -> new AgentXException(ErrorCode.TIMEOUT, "Claude did not answer in time: " + e.getMessage());
        default -> new AgentXException(ErrorCode.LLM_ERROR, "The call to Claude failed: " + e.getMessage());
      };
    }
    return new AgentXException(ErrorCode.of(failure), failure.getMessage() == null ? failure.toString() : failure.getMessage());
  }
}
