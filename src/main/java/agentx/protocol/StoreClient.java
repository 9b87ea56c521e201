package agentx.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The store service ({@code agentx.store.*}) as the other services call it: the only sender to those addresses. */
public final class StoreClient {
  private final Vertx vertx;

  public StoreClient(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<Session> createSession(CreateSession request) {
    return Bus.request(vertx, Addresses.STORE_SESSION_CREATE, request.toJson()).map(Session::fromJson);
  }

  /** Fails with SESSION_NOT_FOUND when there is no such session. */
  public Future<Session> session(String sessionId) {
    return Bus.request(vertx, Addresses.STORE_SESSION_GET, new SessionRef(sessionId).toJson()).map(Session::fromJson);
  }

  public Future<Page> listSessions(PageQuery query) {
    return Bus.request(vertx, Addresses.STORE_SESSION_LIST, query.toJson()).map(r -> Page.fromJson(Page.SESSIONS, r));
  }

  public Future<Session> updateSession(UpdateSession request) {
    return Bus.request(vertx, Addresses.STORE_SESSION_UPDATE, request.toJson()).map(Session::fromJson);
  }

  public Future<Void> deleteSession(String sessionId) {
    return Bus.request(vertx, Addresses.STORE_SESSION_DELETE, new SessionRef(sessionId).toJson()).mapEmpty();
  }

  public Future<Page> listMessages(PageQuery query) {
    return Bus.request(vertx, Addresses.STORE_MESSAGE_LIST, query.toJson()).map(r -> Page.fromJson(Page.MESSAGES, r));
  }

  public Future<Void> appendMessage(StoredMessage message) {
    return appendMessage(new AppendMessage(message, null));
  }

  /** Appends a message and, when it has them, records its turn's usage so far in the same transaction. */
  public Future<Void> appendMessage(AppendMessage append) {
    return Bus.request(vertx, Addresses.STORE_MESSAGE_APPEND, append.toJson()).mapEmpty();
  }

  public Future<List<HistoryEntry>> history(String sessionId) {
    return Bus.request(vertx, Addresses.STORE_HISTORY, new SessionRef(sessionId).toJson()).map(HistoryEntry::listFromJson);
  }

  public Future<Void> beginTurn(BeginTurn request) {
    return Bus.request(vertx, Addresses.STORE_TURN_BEGIN, request.toJson()).mapEmpty();
  }

  /** Closes a turn of the engine's own that the store still has running, as failed (see {@link Addresses#STORE_TURN_ABANDON}). */
  public Future<Void> abandonTurn(BusyTurn turn) {
    return Bus.request(vertx, Addresses.STORE_TURN_ABANDON, turn.toJson()).mapEmpty();
  }

  /** Records a turn accepted behind the session's running one (status {@code queued}). */
  public Future<Void> queueTurn(QueuedTurn turn) {
    return Bus.request(vertx, Addresses.STORE_TURN_QUEUE, turn.toJson()).mapEmpty();
  }

  /** Closes a queued turn that could not start as failed, with its closing events. */
  public Future<Void> unqueueTurn(QueuedTurn turn) {
    return Bus.request(vertx, Addresses.STORE_TURN_UNQUEUE, turn.toJson()).mapEmpty();
  }

  public Future<Void> finishTurn(FinishTurn request) {
    return Bus.request(vertx, Addresses.STORE_TURN_FINISH, request.toJson()).mapEmpty();
  }

  /** A page of the session's turns, oldest first; fails with SESSION_NOT_FOUND when there is no such session. */
  public Future<Page> listTurns(TurnQuery query) {
    return Bus.request(vertx, Addresses.STORE_TURN_LIST, query.toJson()).map(r -> Page.fromJson(Page.TURNS, r));
  }

  /** One turn of the session; fails with SESSION_NOT_FOUND or TURN_NOT_FOUND. */
  public Future<TurnRecord> turn(String sessionId, String turnId) {
    return Bus.request(vertx, Addresses.STORE_TURN_GET, TurnQuery.one(sessionId, turnId).toJson()).map(TurnRecord::fromJson);
  }

  /**
   * Records the tool calls of a round as started before they run, so a turn resumed after its engine
   * died knows which of them may have had their effect ({@code {calls: [ToolCallRecord]}}).
   */
  public Future<Void> toolCallsStarted(List<ToolCallRecord> calls) {
    return Bus.request(vertx, Addresses.STORE_TOOL_CALLS_STARTED, new JsonObject().put("calls", ToolCallRecord.listToJson(calls))).mapEmpty();
  }

  /** Records a finished tool call of a turn, so a resumed turn uses its result instead of running it again. */
  public Future<Void> toolCallDone(ToolCallRecord call) {
    return Bus.request(vertx, Addresses.STORE_TOOL_CALL_DONE, call.toJson()).mapEmpty();
  }

  /** Stops a turn to wait for approvals (stored, announced); its engine then lets go of it. */
  public Future<Void> parkTurn(ParkTurn park) {
    return Bus.request(vertx, Addresses.STORE_TURN_PARK, park.toJson()).mapEmpty();
  }

  /** Takes a turn waiting to be resumed; fails with SESSION_BUSY when another engine took it first. */
  public Future<ResumableTurn> claimTurn(ResumableTurn.Claim claim) {
    return Bus.request(vertx, Addresses.STORE_TURN_CLAIM, claim.toJson()).map(ResumableTurn::fromJson);
  }

  /** The turns waiting to be resumed, oldest first. */
  public Future<List<ResumableTurn.Offer>> resumableTurns() {
    return Bus.request(vertx, Addresses.STORE_TURN_RESUMABLE, new io.vertx.core.json.JsonObject())
        .map(r -> r.getJsonArray("turns", new io.vertx.core.json.JsonArray()).stream()
            .map(o -> ResumableTurn.Offer.fromJson((io.vertx.core.json.JsonObject) o)).toList());
  }

  /** The session's pending approvals, oldest first; fails with SESSION_NOT_FOUND. */
  public Future<List<ToolCallRecord>> approvals(String sessionId) {
    return Bus.request(vertx, Addresses.STORE_APPROVAL_LIST, new SessionRef(sessionId).toJson())
        .map(r -> ToolCallRecord.listFromJson(r.getJsonArray("approvals")));
  }

  /** Answers an approval; the first answer wins (APPROVAL_ALREADY_ANSWERED after it, APPROVAL_NOT_FOUND for an unknown id). */
  public Future<ApprovalAnswer.Outcome> answerApproval(ApprovalAnswer answer) {
    return Bus.request(vertx, Addresses.STORE_APPROVAL_ANSWER, answer.toJson()).map(ApprovalAnswer.Outcome::fromJson);
  }

  /** Cancels the session's turn that waits for approvals; {@code cancelled:false} when none waits. */
  public Future<CancelResult> cancelWaitingTurn(String sessionId) {
    return Bus.request(vertx, Addresses.STORE_TURN_CANCEL_WAITING, new SessionRef(sessionId).toJson()).map(CancelResult::fromJson);
  }

  /** Stores, numbers and then publishes the envelopes; answers the numbers they got. */
  public Future<AppendEvents.Stored> appendEvents(AppendEvents request) {
    return Bus.request(vertx, Addresses.STORE_EVENT_APPEND, request.toJson()).map(AppendEvents.Stored::fromJson);
  }

  public Future<EventPage> events(EventQuery query) {
    return Bus.request(vertx, Addresses.STORE_EVENT_LIST, query.toJson()).map(EventPage::fromJson);
  }

  /** The current workflow ({@code version} null) or one version; null when there is none. Fails when the session does not exist. */
  public Future<WorkflowVersion> workflow(String sessionId, Long version) {
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_GET, new WorkflowQuery(sessionId, version).toJson())
        .map(WorkflowVersion::lookupFromJson);
  }

  public Future<WorkflowVersion> saveWorkflow(SaveWorkflow request) {
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_SAVE, request.toJson()).map(WorkflowVersion::fromJson);
  }

  /** Newest first, without the workflows themselves. */
  public Future<List<WorkflowVersion>> workflowVersions(String sessionId) {
    return Bus.request(vertx, Addresses.STORE_WORKFLOW_VERSIONS, new SessionRef(sessionId).toJson()).map(WorkflowVersion::listFromJson);
  }

  public Future<NodeHealth.Store> health(long timeoutMs) {
    return Bus.request(vertx, Addresses.STORE_HEALTH, new io.vertx.core.json.JsonObject(), timeoutMs).map(NodeHealth.Store::fromJson);
  }
}
