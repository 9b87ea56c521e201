package agentx.store;

/**
 * Every SQL statement of the store, named after what it does, written once for SQLite and
 * PostgreSQL: {@code ?} placeholders, no upsert, no {@code RETURNING}, no date functions (times are
 * ISO-8601 text from Java), JSON kept as text. Statements that must lock what they read go through
 * {@link Dialect#forUpdate}.
 */
final class Sql {
  private Sql() {}

  static final String SESSION_COLUMNS = "session_id, user_id, title, state, config, message_count, input_tokens,"
      + " output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd, turn_count, created_at, updated_at";

  static final String INSERT_SESSION = "INSERT INTO sessions (session_id, user_id, title, state, config, created_at, updated_at)"
      + " VALUES (?, ?, ?, 'idle', ?, ?, ?)";
  static final String SELECT_SESSION = "SELECT " + SESSION_COLUMNS + " FROM sessions WHERE session_id = ?";
  static final String LIST_SESSIONS = "SELECT " + SESSION_COLUMNS + " FROM sessions ORDER BY updated_at DESC, session_id LIMIT ? OFFSET ?";
  static final String COUNT_SESSIONS = "SELECT COUNT(*) AS n FROM sessions";
  static final String LIST_USER_SESSIONS = "SELECT " + SESSION_COLUMNS
      + " FROM sessions WHERE user_id = ? ORDER BY updated_at DESC, session_id LIMIT ? OFFSET ?";
  static final String COUNT_USER_SESSIONS = "SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?";
  static final String UPDATE_SESSION = "UPDATE sessions SET title = ?, config = ?, updated_at = ? WHERE session_id = ?";
  static final String SET_SESSION_STATE = "UPDATE sessions SET state = ?, updated_at = ? WHERE session_id = ?";

  /**
   * Read with {@link Dialect#forUpdate} at the start of a write transaction that hands out a
   * per-session number (message position, event seq, workflow version): concurrent writers of the
   * same session then take turns, so the numbers stay contiguous and unique.
   */
  static final String LOCK_SESSION = "SELECT message_count FROM sessions WHERE session_id = ?";

  /**
   * The events table is keyed by the session's {@code session_key}, a small integer (migrations V4 on SQLite, V5 on
   * PostgreSQL: 36 bytes fewer in each row and in each entry of its key); the statements that name a session by its id
   * find its key with {@link #KEY_OF_SESSION} (a scalar subquery, run once per statement, through the sessions' primary key).
   */
  static final String SESSION_KEY = "SELECT session_key FROM sessions WHERE session_id = ?";
  private static final String KEY_OF_SESSION = "(" + SESSION_KEY + ")";

  static final String DELETE_SESSION_EVENTS = "DELETE FROM events WHERE session_key = " + KEY_OF_SESSION;
  static final String DELETE_SESSION_WORKFLOWS = "DELETE FROM workflows WHERE session_id = ?";
  static final String DELETE_SESSION_TOOL_CALLS = "DELETE FROM tool_calls WHERE session_id = ?";
  static final String DELETE_SESSION_TURNS = "DELETE FROM turns WHERE session_id = ?";
  static final String DELETE_SESSION_MESSAGES = "DELETE FROM messages WHERE session_id = ?";
  static final String DELETE_SESSION = "DELETE FROM sessions WHERE session_id = ?";

  static final String MESSAGE_COLUMNS = "message_id, session_id, position, turn_id, role, content, blocks, tool_calls,"
      + " input_tokens, output_tokens, stop_reason, model, created_at";
  static final String INSERT_MESSAGE = "INSERT INTO messages (" + MESSAGE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static final String BUMP_MESSAGE_COUNT = "UPDATE sessions SET message_count = ?, updated_at = ? WHERE session_id = ?";
  /** A turn's start: the user's message counted and the session processing, in one statement (a round trip fewer on PostgreSQL). */
  static final String START_SESSION_TURN = "UPDATE sessions SET message_count = ?, state = 'processing', updated_at = ?"
      + " WHERE session_id = ?";
  static final String LIST_MESSAGES = "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE session_id = ? ORDER BY position LIMIT ? OFFSET ?";
  static final String COUNT_MESSAGES = "SELECT COUNT(*) AS n FROM messages WHERE session_id = ?";
  /**
   * The newest {@code turn} event's seq of a turn that had started (its data names its user message; a
   * queued turn closed before it started, while another still ran, names none and is passed over): walks
   * the session's key back from its end, over the turn in flight only.
   */
  static final String LAST_TURN_SEQ = "SELECT seq FROM events WHERE session_key = " + KEY_OF_SESSION + " AND type = 'turn'"
      + " AND envelope LIKE '%\"user_message_id\":\"%' ORDER BY seq DESC LIMIT 1";
  static final String HISTORY = "SELECT m.message_id, m.role, m.blocks, m.turn_id, m.stop_reason, t.status FROM messages m"
      + " LEFT JOIN turns t ON t.turn_id = m.turn_id WHERE m.session_id = ? ORDER BY m.position";

  static final String INSERT_TURN = "INSERT INTO turns (turn_id, session_id, status, user_message_id, engine_node, started_at, request)"
      + " VALUES (?, ?, 'running', ?, ?, ?, ?)";
  /** A turn accepted behind the session's running one: no user message yet (it is stored when the turn starts). */
  static final String INSERT_QUEUED_TURN = "INSERT INTO turns (turn_id, session_id, status, engine_node, started_at)"
      + " VALUES (?, ?, 'queued', ?, ?)";
  /** A queued turn starting: the row it was queued with becomes the running turn, once. */
  static final String START_QUEUED_TURN = "UPDATE turns SET status = 'running', user_message_id = ?, engine_node = ?, started_at = ?,"
      + " request = ? WHERE turn_id = ? AND session_id = ? AND status = 'queued'";
  static final String QUEUED_TURNS = "SELECT turn_id, session_id, engine_node FROM turns WHERE status = 'queued'";
  /** A queued turn that will not start: {@code failed} with its error, or {@code cancelled}. */
  static final String CLOSE_QUEUED = "UPDATE turns SET status = ?, error_code = ?, error_message = ?, finished_at = ?,"
      + " duration_ms = 0 WHERE turn_id = ? AND status = 'queued'";
  /** Another turn of the session that is not over: running, waiting for approvals, or to be resumed. */
  static final String OTHER_OPEN_TURN = "SELECT turn_id, status, engine_node FROM turns WHERE session_id = ? AND turn_id <> ?"
      + " AND status IN ('running', 'awaiting_approval', 'interrupted')";
  static final String FINISH_TURN = "UPDATE turns SET status = ?, assistant_message_id = ?, stop_reason = ?, input_tokens = ?,"
      + " output_tokens = ?, cache_creation_input_tokens = ?, cache_read_input_tokens = ?, cost_usd = ?, llm_calls = ?,"
      + " tool_calls = ?, error_code = ?, error_message = ?, finished_at = ?, duration_ms = ? WHERE turn_id = ?";
  static final String ADD_SESSION_USAGE = "UPDATE sessions SET state = ?, input_tokens = input_tokens + ?,"
      + " output_tokens = output_tokens + ?, cache_creation_input_tokens = cache_creation_input_tokens + ?,"
      + " cache_read_input_tokens = cache_read_input_tokens + ?, cost_usd = cost_usd + ?, turn_count = turn_count + 1,"
      + " updated_at = ? WHERE session_id = ?";
  static final String RUNNING_TURNS = "SELECT turn_id, session_id, user_message_id, engine_node, started_at, status FROM turns"
      + " WHERE status IN ('running', 'interrupted')";
  /** A turn still running on the given engine node. */
  static final String RUNNING_TURN_ON = "SELECT turn_id, session_id, user_message_id, engine_node, started_at, status FROM turns"
      + " WHERE turn_id = ? AND session_id = ? AND engine_node = ? AND status = 'running'";
  static final String MARK_TURN_FAILED = "UPDATE turns SET status = 'failed', error_code = ?, error_message = ?, finished_at = ?,"
      + " duration_ms = 0 WHERE turn_id = ? AND status IN ('running', 'interrupted')";
  static final String TURN_PROGRESS = "UPDATE turns SET input_tokens = ?, output_tokens = ?, cache_creation_input_tokens = ?,"
      + " cache_read_input_tokens = ?, cost_usd = ?, llm_calls = ?, tool_calls = ? WHERE turn_id = ? AND status = 'running'";
  /**
   * A running turn's figures sent with its events (a call's start, its streaming, a stop's cut): written only when they
   * are not behind what the turn recorded (a message's figures, sent on another way, may have been stored first and
   * are newer).
   */
  static final String TURN_PROGRESS_IF_AHEAD = TURN_PROGRESS + " AND input_tokens <= ? AND output_tokens <= ? AND llm_calls <= ?";
  /** Its engine died: the turn waits for another engine to claim it ({@link #CLAIM_TURN}). */
  static final String MARK_TURN_INTERRUPTED = "UPDATE turns SET status = 'interrupted', engine_node = NULL,"
      + " interruptions = interruptions + 1 WHERE turn_id = ? AND status = 'running'";
  /** Exactly one engine wins a turn waiting to be resumed: the row changes once. */
  static final String CLAIM_TURN = "UPDATE turns SET status = 'running', engine_node = ? WHERE turn_id = ? AND status = 'interrupted'";
  static final String RESUMABLE_TURNS = "SELECT turn_id, session_id FROM turns WHERE status = 'interrupted' ORDER BY started_at";
  static final String PARK_TURN = "UPDATE turns SET status = 'awaiting_approval', engine_node = NULL, input_tokens = ?, output_tokens = ?,"
      + " cache_creation_input_tokens = ?, cache_read_input_tokens = ?, cost_usd = ?, llm_calls = ?, tool_calls = ?"
      + " WHERE turn_id = ? AND status = 'running'";
  /** Its approvals are all answered: the turn waits for an engine to claim it. */
  static final String UNPARK_TURN = "UPDATE turns SET status = 'interrupted' WHERE turn_id = ? AND status = 'awaiting_approval'";
  static final String RESUME_COLUMNS = "turn_id, session_id, user_message_id, request, interruptions, started_at, input_tokens,"
      + " output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd, llm_calls, tool_calls";
  static final String SELECT_RESUMABLE = "SELECT " + RESUME_COLUMNS + " FROM turns WHERE turn_id = ?";

  static final String TOOL_CALL_COLUMNS = "session_id, turn_id, call_id, tool_name, input, state, result, reason, edited_input,"
      + " requested_at, expires_at";
  static final String INSERT_TOOL_CALL = "INSERT INTO tool_calls (" + TOOL_CALL_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  static final String TOOL_CALL_DONE = "UPDATE tool_calls SET state = 'done', result = ?, answered_at = COALESCE(answered_at, ?)"
      + " WHERE turn_id = ? AND call_id = ?";
  static final String TOOL_CALL_STARTED = "UPDATE tool_calls SET state = 'started' WHERE turn_id = ? AND call_id = ?";
  static final String TOOL_CALLS_OF_TURN = "SELECT " + TOOL_CALL_COLUMNS + " FROM tool_calls WHERE turn_id = ? ORDER BY requested_at, call_id";
  static final String PENDING_APPROVALS = "SELECT " + TOOL_CALL_COLUMNS + " FROM tool_calls WHERE session_id = ?"
      + " AND state = 'awaiting_approval' ORDER BY requested_at, call_id";
  /** The call an answer is for: the pending one first, else the latest asked with that id. */
  static final String APPROVAL_BY_ID = "SELECT " + TOOL_CALL_COLUMNS + " FROM tool_calls WHERE session_id = ? AND call_id = ?"
      + " ORDER BY CASE WHEN state = 'awaiting_approval' THEN 0 ELSE 1 END, requested_at DESC";
  static final String ANSWER_APPROVAL = "UPDATE tool_calls SET state = ?, reason = ?, edited_input = ?, answered_at = ?"
      + " WHERE turn_id = ? AND call_id = ? AND state = 'awaiting_approval'";
  /** A cancel answers every approval the turn still waits for. */
  static final String ANSWER_PENDING_OF_TURN = "UPDATE tool_calls SET state = ?, reason = ?, answered_at = ?"
      + " WHERE turn_id = ? AND state = 'awaiting_approval'";
  static final String COUNT_PENDING_OF_TURN = "SELECT COUNT(*) AS n FROM tool_calls WHERE turn_id = ? AND state = 'awaiting_approval'";
  static final String EXPIRED_APPROVALS = "SELECT session_id, call_id FROM tool_calls WHERE state = 'awaiting_approval'"
      + " AND expires_at IS NOT NULL AND expires_at <= ?";
  static final String WAITING_TURN_OF_SESSION = "SELECT turn_id FROM turns WHERE session_id = ? AND status = 'awaiting_approval'";

  static final String TURN_COLUMNS = "turn_id, session_id, status, user_message_id, assistant_message_id, stop_reason, input_tokens,"
      + " output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd, llm_calls, tool_calls, error_code,"
      + " error_message, engine_node, started_at, finished_at, duration_ms";
  static final String LIST_TURNS = "SELECT " + TURN_COLUMNS + " FROM turns WHERE session_id = ? ORDER BY started_at, turn_id LIMIT ? OFFSET ?";
  static final String COUNT_TURNS = "SELECT COUNT(*) AS n FROM turns WHERE session_id = ?";
  static final String GET_TURN = "SELECT " + TURN_COLUMNS + " FROM turns WHERE session_id = ? AND turn_id = ?";
  static final String SELECT_TURN = "SELECT turn_id, session_id, status FROM turns WHERE turn_id = ?";

  private static final String INSERT_EVENTS_INTO = "INSERT INTO events (session_key, seq, type, envelope) VALUES ";
  private static final String EVENT_ROW = "(?, ?, ?, ?)";
  /** The values of one row in {@link #INSERT_EVENT}. */
  static final int EVENT_COLUMNS = 4;
  static final String INSERT_EVENT = INSERT_EVENTS_INTO + EVENT_ROW;
  /** The most rows one {@link #insertEvents} statement inserts: a power of two. */
  static final int MAX_EVENT_ROWS = 32;
  private static final String[] INSERT_EVENTS = new String[Integer.numberOfTrailingZeros(MAX_EVENT_ROWS) + 1];

  static {
    for (int i = 0; i < INSERT_EVENTS.length; i++) {
      INSERT_EVENTS[i] = INSERT_EVENTS_INTO + String.join(", ", java.util.Collections.nCopies(1 << i, EVENT_ROW));
    }
  }

  /** {@link #INSERT_EVENT} for {@code rows} rows in one statement: a power of two up to {@link #MAX_EVENT_ROWS}, so few texts are kept. */
  static String insertEvents(int rows) {
    if (rows < 1 || rows > MAX_EVENT_ROWS || Integer.bitCount(rows) != 1) {
      throw new IllegalArgumentException("rows must be a power of two up to " + MAX_EVENT_ROWS + ": " + rows);
    }
    return INSERT_EVENTS[Integer.numberOfTrailingZeros(rows)];
  }

  static final String LIST_EVENTS = "SELECT seq, envelope FROM events WHERE session_key = " + KEY_OF_SESSION
      + " AND seq > ? ORDER BY seq LIMIT ?";

  static final String INSERT_WORKFLOW = "INSERT INTO workflows (session_id, version, workflow, description, created_at) VALUES (?, ?, ?, ?, ?)";
  static final String LAST_WORKFLOW_VERSION = "SELECT MAX(version) AS v FROM workflows WHERE session_id = ?";
  static final String CURRENT_WORKFLOW = "SELECT version, workflow, description, created_at FROM workflows WHERE session_id = ?"
      + " ORDER BY version DESC LIMIT 1";
  static final String WORKFLOW_VERSION = "SELECT version, workflow, description, created_at FROM workflows WHERE session_id = ? AND version = ?";
  static final String WORKFLOW_VERSIONS = "SELECT version, description, created_at FROM workflows WHERE session_id = ? ORDER BY version DESC";
}
