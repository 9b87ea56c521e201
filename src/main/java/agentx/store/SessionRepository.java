package agentx.store;

import agentx.events.AgentXException;
import agentx.events.Ids;
import agentx.events.ErrorCode;
import agentx.events.SessionConfig;
import agentx.events.Times;
import agentx.protocol.AppendMessage;
import agentx.protocol.BeginTurn;
import agentx.protocol.BusyTurn;
import agentx.protocol.CreateSession;
import agentx.protocol.FinishTurn;
import agentx.protocol.HistoryEntry;
import agentx.protocol.Page;
import agentx.protocol.PageQuery;
import agentx.protocol.Session;
import agentx.protocol.StoredMessage;
import agentx.protocol.TurnSummary;
import agentx.protocol.UpdateSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Sessions, their messages and their turns. Answers in the records of {@code agentx.protocol}. */
public final class SessionRepository {
  private final Database db;

  public SessionRepository(Database db) {
    this.db = db;
  }

  public Future<Session> create(CreateSession request) {
    String id = Ids.timeOrdered();
    String now = Times.now();
    return db.writeJdbc(jdbc -> {
      Jdbc.update(jdbc, Sql.INSERT_SESSION, id, request.userId(), request.title(), request.config().encode(), now, now);
      return find(jdbc, id);
    });
  }

  /**
   * Sessions are read with plain JDBC, like the history. A session is read twice for every turn (its
   * route and its engine), and the SQL client describing the row's fourteen columns for each read (a
   * type name matched by regular expressions per column) was about 4 % of the server's CPU at 1,000
   * paced sessions (docs/PERFORMANCE.md, round twelve); it also handed SQLite's REAL cost back as a
   * float, seven digits of it.
   */
  public Future<Session> get(String sessionId) {
    return db.readJdbc(jdbc -> find(jdbc, sessionId));
  }

  /** The session, read on {@code jdbc} (blocking); SESSION_NOT_FOUND when there is none. */
  static Session find(Connection jdbc, String sessionId) throws SQLException {
    Session session = Jdbc.first(jdbc, Sql.SELECT_SESSION, SessionRepository::session, sessionId);
    if (session == null) {
      throw notFound(sessionId);
    }
    return session;
  }

  /** Sessions of {@code query.owner()} (a user id; all when null), most recently updated first. */
  public Future<Page> list(PageQuery query) {
    return db.readJdbc(jdbc -> {
      long total;
      List<Session> page;
      if (query.owner() == null) {
        total = Jdbc.first(jdbc, Sql.COUNT_SESSIONS, row -> row.getLong(1));
        page = Jdbc.list(jdbc, Sql.LIST_SESSIONS, SessionRepository::session, query.limit(), query.offset());
      } else {
        total = Jdbc.first(jdbc, Sql.COUNT_USER_SESSIONS, row -> row.getLong(1), query.owner());
        page = Jdbc.list(jdbc, Sql.LIST_USER_SESSIONS, SessionRepository::session, query.owner(), query.limit(), query.offset());
      }
      JsonArray items = new JsonArray();
      page.forEach(session -> items.add(session.toJson()));
      return new Page(Page.SESSIONS, items, total, query.offset(), query.limit());
    });
  }

  /** Applies the title and/or config of the change; a null title clears it. */
  public Future<Session> update(UpdateSession change) {
    String sessionId = change.sessionId();
    return db.writeJdbc(jdbc -> {
      Session current = find(jdbc, sessionId);
      String title = change.setTitle() ? change.title() : current.title();
      JsonObject config = change.config() != null ? change.config() : current.config();
      Jdbc.update(jdbc, Sql.UPDATE_SESSION, title, config.encode(), Times.now(), sessionId);
      return find(jdbc, sessionId);
    });
  }

  /** Removes the session and its rows in every table. */
  public Future<Void> delete(String sessionId) {
    return db.writeJdbc(jdbc -> {
      db.lastSeqs().forget(sessionId);
      // the session row first, like every writer of the session: no deadlock with a concurrent append
      db.lockSession(jdbc, sessionId);
      for (String sql : List.of(Sql.DELETE_SESSION_EVENTS, Sql.DELETE_SESSION_WORKFLOWS, Sql.DELETE_SESSION_TOOL_CALLS,
          Sql.DELETE_SESSION_TURNS, Sql.DELETE_SESSION_MESSAGES)) {
        Jdbc.update(jdbc, sql, sessionId);
      }
      if (Jdbc.update(jdbc, Sql.DELETE_SESSION, sessionId) == 0) {
        throw notFound(sessionId);
      }
      return null;
    });
  }

  /** Appends one message at the end of the session's conversation. */
  public Future<Void> appendMessage(StoredMessage message) {
    return appendMessage(new AppendMessage(message, null));
  }

  /**
   * Appends one message at the end of the session's conversation and, when the append has them,
   * records its turn's usage so far (a finished turn's figures are left alone), in one transaction.
   */
  public Future<Void> appendMessage(AppendMessage append) {
    StoredMessage message = append.message();
    return db.writeJdbc(jdbc -> {
      appendInTransaction(jdbc, message, Times.now());
      if (append.usage() != null) {
        TurnRepository.progress(jdbc, message.turnId(), append.usage());
      }
      return null;
    });
  }

  /**
   * Inside a write transaction: locks the session's row, puts the message at the next position (created
   * at its own timestamp, else {@code now}) and counts it. Blocking.
   */
  private void appendInTransaction(Connection jdbc, StoredMessage message, String now) throws SQLException {
    long count = db.lockSession(jdbc, message.sessionId());
    String timestamp = message.timestamp() != null ? message.timestamp() : now;
    Jdbc.update(jdbc, Sql.BUMP_MESSAGE_COUNT, insertMessage(jdbc, message, count, timestamp), timestamp, message.sessionId());
  }

  /**
   * Inside a write transaction that holds the session row lock and read its message count
   * ({@link Database#lockSession}): the message at the next position, created at {@code timestamp}.
   * The caller updates the count. Answers that position. Blocking.
   */
  private long insertMessage(Connection jdbc, StoredMessage message, long count, String timestamp) throws SQLException {
    String sessionId = message.sessionId();
    long position = count + 1;
    Jdbc.update(jdbc, Sql.INSERT_MESSAGE,
        message.messageId(),
        sessionId,
        position,
        message.turnId(),
        message.role(),
        message.content(),
        message.blocks().encode(),
        message.toolCalls().encode(),
        message.inputTokens(),
        message.outputTokens(),
        message.stopReason(),
        message.model(),
        timestamp);
    return position;
  }

  /**
   * Messages of the session {@code query.owner()}, oldest first, and the seq of its last {@code turn}
   * event, read first: a turn that ends after that read has its events after that seq, one that ended
   * before it has its messages in the page (see {@link Page}).
   */
  public Future<Page> listMessages(PageQuery query) {
    String sessionId = query.owner();
    return db.readJdbc(jdbc -> {
      find(jdbc, sessionId); // SESSION_NOT_FOUND for a session that is not there
      Long seq = Jdbc.first(jdbc, Sql.LAST_TURN_SEQ, row -> row.getLong(1), sessionId);
      long total = Jdbc.first(jdbc, Sql.COUNT_MESSAGES, row -> row.getLong(1), sessionId);
      JsonArray items = new JsonArray();
      for (StoredMessage message : Jdbc.list(jdbc, Sql.LIST_MESSAGES, SessionRepository::message, sessionId, query.limit(), query.offset())) {
        items.add(message.toJson());
      }
      return new Page(Page.MESSAGES, items, total, query.offset(), query.limit(), seq == null ? 0L : seq);
    });
  }

  /** The conversation as the engine needs it, oldest first, each message with its turn's status. */
  public Future<List<HistoryEntry>> history(String sessionId) {
    return db.readJdbc(jdbc -> Jdbc.list(jdbc, Sql.HISTORY, row -> new HistoryEntry(row.getString("role"),
        Jdbc.jsonArray(row.getString("blocks")), row.getString("turn_id"), row.getString("stop_reason"), row.getString("status"),
        row.getString("message_id")), sessionId));
  }

  /**
   * Starts a turn in one transaction: the user's message, the running turn row, the session marked
   * {@code processing}. A crash can no longer leave a user message without its turn.
   */
  public Future<Void> beginTurn(BeginTurn turn) {
    String sessionId = turn.sessionId();
    String now = Times.now();
    String request = turn.system() == null ? null : new JsonObject().put("system", turn.system()).encode();
    return db.writeJdbc(jdbc -> {
      long count = db.lockSession(jdbc, sessionId); // PostgreSQL: two starts of one session's turns take turns here
      StoredMessage user = turn.userMessage();
      long position = insertMessage(jdbc, user, count, user.timestamp() != null ? user.timestamp() : now);
      Jdbc.update(jdbc, Sql.START_SESSION_TURN, position, now, sessionId);
      if (!turn.queued()) {
        Jdbc.update(jdbc, Sql.INSERT_TURN, turn.turnId(), sessionId, user.messageId(), turn.engineNode(), now, request);
      } else if (Jdbc.update(jdbc, Sql.START_QUEUED_TURN, user.messageId(), turn.engineNode(), now, request, turn.turnId(), sessionId) == 0) {
        // rolled back with the message: the queued turn was closed meanwhile (its engine was taken for gone)
        throw new AgentXException(ErrorCode.TURN_NOT_FOUND, "Turn " + turn.turnId() + " is no longer queued: it was closed before it could start.");
      }
      // after the writes, so a queued turn closed meanwhile says so first; refused, all of it is rolled back
      OpenTurn other = Jdbc.first(jdbc, Sql.OTHER_OPEN_TURN, row -> new OpenTurn(row.getString("turn_id"), row.getString("status"),
          row.getString("engine_node")), sessionId, turn.turnId());
      if (other != null) {
        throw busy(sessionId, other);
      }
      return null;
    });
  }

  /** Another turn of a session that is not over. */
  private record OpenTurn(String turnId, String status, String engineNode) {}

  /**
   * Why a turn cannot start. The engines' session lock keeps one turn running per session, but a
   * turn no engine holds (waiting for approvals, or to be resumed) is only visible here, and in a
   * cluster the lock can be granted twice for a moment (README, Known limits): the store is what
   * keeps one running turn per session, and names the running one so the engine can wait for it.
   */
  private static AgentXException busy(String sessionId, OpenTurn other) {
    return switch (other.status()) {
      case "awaiting_approval" -> new AgentXException(ErrorCode.SESSION_BUSY, "A turn of this session is waiting for approval (GET /sessions/"
          + sessionId + "/approvals): answer it or cancel the turn first.");
      case "interrupted" -> new AgentXException(ErrorCode.SESSION_BUSY,
          "A turn of this session is being resumed after an interruption; wait for it to end or cancel it.");
      default -> new AgentXException(ErrorCode.SESSION_BUSY, "Another turn of this session is running; wait for it to end or cancel it.",
          new BusyTurn(sessionId, other.turnId(), other.engineNode()).asDetails());
    };
  }

  /**
   * Closes a turn with its summary and puts the session back to the given state, in one transaction
   * with the turn's last answer when the request carries it.
   */
  public Future<Void> finishTurn(FinishTurn finish) {
    TurnSummary summary = finish.summary();
    String now = Times.now();
    // An unknown cost stays unknown (NULL) on the turn; the session's total adds the costs that are known.
    Double turnCost = summary.costUsd();
    double knownCost = turnCost == null ? 0.0 : turnCost;
    Object[] turn = {
        summary.status(),
        summary.assistantMessageId(),
        summary.stopReason(),
        summary.inputTokens(),
        summary.outputTokens(),
        summary.cacheCreationInputTokens(),
        summary.cacheReadInputTokens(),
        turnCost,
        summary.llmCalls(),
        summary.toolCalls(),
        summary.errorCode(),
        summary.errorMessage(),
        now,
        summary.durationMs(),
        summary.turnId()};
    Object[] usage = {
        finish.sessionState(),
        summary.inputTokens(),
        summary.outputTokens(),
        summary.cacheCreationInputTokens(),
        summary.cacheReadInputTokens(),
        knownCost,
        now,
        finish.sessionId()};
    StoredMessage answer = finish.answer();
    return db.writeJdbc(jdbc -> {
      if (answer != null) {
        appendInTransaction(jdbc, answer, now);
      }
      Jdbc.update(jdbc, Sql.FINISH_TURN, turn);
      Jdbc.update(jdbc, Sql.ADD_SESSION_USAGE, usage);
      return null;
    });
  }

  /**
   * A session row ({@link Sql#SESSION_COLUMNS}) as the protocol's record; a config a bug or an older
   * version stored badly is repaired, not a 500.
   */
  private static Session session(ResultSet row) throws SQLException {
    String id = row.getString("session_id");
    return new Session(
        id,
        row.getString("created_at"),
        row.getString("updated_at"),
        row.getString("state"),
        SessionConfig.repair(row.getString("config"), id),
        row.getString("user_id"),
        row.getString("title"),
        row.getLong("message_count"),
        new Session.Usage(
            row.getLong("input_tokens"),
            row.getLong("output_tokens"),
            row.getLong("cache_creation_input_tokens"),
            row.getLong("cache_read_input_tokens"),
            row.getDouble("cost_usd"),
            row.getLong("turn_count")));
  }

  private static StoredMessage message(ResultSet row) throws SQLException {
    return new StoredMessage(
        row.getString("message_id"),
        row.getString("session_id"),
        row.getString("turn_id"),
        row.getString("role"),
        row.getString("content"),
        Jdbc.jsonArray(row.getString("blocks")),
        Jdbc.jsonArray(row.getString("tool_calls")),
        row.getLong("input_tokens"),
        row.getLong("output_tokens"),
        row.getString("stop_reason"),
        row.getString("model"),
        row.getString("created_at"));
  }

  static AgentXException notFound(String sessionId) {
    return new AgentXException(ErrorCode.SESSION_NOT_FOUND, "No session with id " + sessionId + ".");
  }
}
