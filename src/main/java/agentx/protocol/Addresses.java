package agentx.protocol;

/**
 * Every event-bus address of the runtime, in one place. Verticles talk only through these, which is
 * what lets any of them run on another JVM of a cluster.
 */
public final class Addresses {
  private Addresses() {}

  // --- persistence (PersistenceVerticle) ---
  public static final String STORE_SESSION_CREATE = "agentx.store.session.create";
  public static final String STORE_SESSION_GET = "agentx.store.session.get";
  public static final String STORE_SESSION_LIST = "agentx.store.session.list";
  public static final String STORE_SESSION_UPDATE = "agentx.store.session.update";
  public static final String STORE_SESSION_DELETE = "agentx.store.session.delete";
  /** A message at the end of a session's conversation, with its turn's usage so far: {@link AppendMessage}. */
  public static final String STORE_MESSAGE_APPEND = "agentx.store.message.append";
  public static final String STORE_MESSAGE_LIST = "agentx.store.message.list";
  public static final String STORE_HISTORY = "agentx.store.history";
  /**
   * {@link BeginTurn}: the user's message and the running turn, stored together. Refused SESSION_BUSY
   * while another turn of the session is running (its {@link BusyTurn} in the details), waits for
   * approvals or to be resumed.
   */
  public static final String STORE_TURN_BEGIN = "agentx.store.turn.begin";
  /**
   * {@link BusyTurn}: a turn its engine node no longer runs although the store has it running (the
   * store failed when its end was to be recorded), closed as failed with its closing events.
   */
  public static final String STORE_TURN_ABANDON = "agentx.store.turn.abandon";
  public static final String STORE_TURN_FINISH = "agentx.store.turn.finish";
  /** {@link QueuedTurn}: a turn accepted behind the running one, recorded before the client is told. */
  public static final String STORE_TURN_QUEUE = "agentx.store.turn.queue";
  /** {@link QueuedTurn} with an error: a queued turn that could not start, closed as failed. */
  public static final String STORE_TURN_UNQUEUE = "agentx.store.turn.unqueue";
  /** A page of a session's turns, or one turn: {@link TurnQuery}. */
  public static final String STORE_TURN_LIST = "agentx.store.turn.list";
  public static final String STORE_TURN_GET = "agentx.store.turn.get";
  /** A tool call of a turn finished: {@link ToolCallRecord} (state done, with its result). */
  public static final String STORE_TOOL_CALL_DONE = "agentx.store.toolcall.done";
  /** The calls of a round about to run: {@code {calls: [ToolCallRecord]}} (state started), before they run. */
  public static final String STORE_TOOL_CALLS_STARTED = "agentx.store.toolcall.started";
  /** A turn stops to wait for approvals: {@link ParkTurn}. */
  public static final String STORE_TURN_PARK = "agentx.store.turn.park";
  /** Hand a turn waiting to be resumed to one engine: {@link ResumableTurn.Claim} → {@link ResumableTurn}. */
  public static final String STORE_TURN_CLAIM = "agentx.store.turn.claim";
  /** The ids of the turns waiting to be resumed (an engine asks when it starts). */
  public static final String STORE_TURN_RESUMABLE = "agentx.store.turn.resumable";
  /** The approvals a session waits for: {@link SessionRef} → {@code {approvals: [...]}}. */
  public static final String STORE_APPROVAL_LIST = "agentx.store.approval.list";
  /** Answer one: {@link ApprovalAnswer} → {@link ApprovalAnswer.Outcome}. */
  public static final String STORE_APPROVAL_ANSWER = "agentx.store.approval.answer";
  /** Cancel the session's turn that waits for approvals: {@link SessionRef} → {@link CancelResult}. */
  public static final String STORE_TURN_CANCEL_WAITING = "agentx.store.turn.cancel-waiting";
  public static final String STORE_EVENT_APPEND = "agentx.store.event.append";
  public static final String STORE_EVENT_LIST = "agentx.store.event.list";
  public static final String STORE_WORKFLOW_GET = "agentx.store.workflow.get";
  public static final String STORE_WORKFLOW_SAVE = "agentx.store.workflow.save";
  public static final String STORE_WORKFLOW_VERSIONS = "agentx.store.workflow.versions";
  public static final String STORE_HEALTH = "agentx.store.health";

  // --- agent engine (AgentEngineVerticle) ---
  /** Start a turn: {@link StartTurn}; replies the {@link AssistantReply} (wait) or a {@link TurnAccepted}. */
  public static final String ENGINE_TURN_START = "agentx.engine.turn.start";
  public static final String ENGINE_HEALTH = "agentx.engine.health";
  /**
   * Published by the store: {@code {turn_id, session_id}} ({@link ResumableTurn.Offer}) may be resumed (its engine died, or its approvals were
   * answered). Every engine tries to claim it; the store hands it to exactly one.
   */
  public static final String ENGINE_TURN_RESUMABLE = "agentx.engine.turn.resumable";

  // --- tools (McpToolsVerticle) ---
  public static final String TOOLS_LIST = "agentx.tools.list";
  public static final String TOOLS_CALL = "agentx.tools.call";
  /** Published: {call_id} aborts a running tool call wherever it runs. */
  public static final String TOOLS_CANCEL = "agentx.tools.cancel";
  public static final String TOOLS_STATUS = "agentx.tools.status";
  /** A workflow in ComfyUI's UI format → the API format (needs the node catalogue, which the tools service has). */
  public static final String TOOLS_WORKFLOW_TO_API = "agentx.tools.workflow.to-api";

  // --- browser clients through the SockJS bridge (inbound only) ---
  public static final String CLIENT_SEND = "agentx.client.send";
  public static final String CLIENT_CANCEL = "agentx.client.cancel";
  /** {@code {session_id, tool_call_id, decision, reason?, input?}}: answers an approval like REST. */
  public static final String CLIENT_APPROVE = "agentx.client.approve";

  public static final String SESSION_EVENTS_PREFIX = "agentx.events.";

  /** Where the events of one session are published. */
  public static String sessionEvents(String sessionId) {
    return SESSION_EVENTS_PREFIX + sessionId;
  }

  /** Registered by the engine instance that runs a session's turn, for as long as it runs: cancel it. */
  public static String turnCancel(String sessionId) {
    return "agentx.engine.turn.cancel." + sessionId;
  }

  /**
   * Registered by the engine instance that runs the turn, for as long as it runs: cancel that turn and no other.
   * A turn that waits for another of its session (a double grant, README "Known limits") passes a session's
   * cancel on to the running turn here.
   */
  public static String turnCancel(String sessionId, String turnId) {
    return "agentx.engine.turn.cancel." + sessionId + "." + turnId;
  }

  /** Registered by the engine instance that runs a session's turn: tools report progress here. */
  public static String turnProgress(String sessionId) {
    return "agentx.engine.turn.progress." + sessionId;
  }

  /** A one-off address where a tool call made outside a turn (an MCP client's) gets its progress reports. */
  public static String callProgress(String callId) {
    return "agentx.tools.progress." + callId;
  }

  /** Name of the shared-data lock that keeps one turn at a time per session (cluster-wide when clustered). */
  public static String sessionLock(String sessionId) {
    return "agentx.lock.session." + sessionId;
  }
}
