package agentx.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Prepared statements kept open on a connection of the store's (SQLite's write connection,
 * {@link SqliteWriter}, and every connection of a {@link ConnectionPool}), so a statement {@link Jdbc}
 * or the event log's insert runs there is compiled once, not once per transaction or read. SQLite
 * compiles every statement it is given (its parser and planner, then a native statement the JDBC
 * driver finalizes on close); with a paced token per append transaction, preparing statements was
 * 3.6 % of the server's CPU at 1,000 sessions, the event insert and the turn writes most of it
 * (docs/PERFORMANCE.md, round thirteen).
 *
 * <p>At most {@value #MAX_STATEMENTS} statements a connection, the least recently used closed first:
 * the statements whose text depends on a number of sessions ({@code IN (?, ?, …)}) come and go. A
 * connection's cache is used only by the one piece of work that has the connection (the write queue's
 * turn, or a pool's loan), like the connection itself. A connection without a cache (a test's)
 * prepares and closes each statement.
 */
final class StatementCache {
  static final int MAX_STATEMENTS = 64;

  /** The caches by connection (identity): tests open many databases in one JVM. */
  private static final Map<Connection, StatementCache> CACHES = Collections.synchronizedMap(new IdentityHashMap<>());

  private final LinkedHashMap<String, PreparedStatement> statements = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
      if (size() <= MAX_STATEMENTS) {
        return false;
      }
      Jdbc.closeQuietly(eldest.getValue());
      return true;
    }
  };

  /** Keeps {@code connection}'s statements open from now on, until {@link #forget}. */
  static void register(Connection connection) {
    CACHES.put(connection, new StatementCache());
  }

  /** Closes the connection's kept statements (before the connection itself is closed). */
  static void forget(Connection connection) {
    StatementCache cache = CACHES.remove(connection);
    if (cache != null) {
      cache.statements.values().forEach(Jdbc::closeQuietly);
      cache.statements.clear();
    }
  }

  /**
   * A statement for {@code sql} on {@code connection}: the kept one when the connection has a cache
   * (not to be closed: {@link #release} it), else a new one.
   */
  static PreparedStatement prepare(Connection connection, String sql) throws SQLException {
    StatementCache cache = CACHES.get(connection);
    if (cache == null) {
      return connection.prepareStatement(sql);
    }
    PreparedStatement statement = cache.statements.get(sql);
    if (statement == null || statement.isClosed()) {
      statement = connection.prepareStatement(sql);
      cache.statements.put(sql, statement);
    }
    return statement;
  }

  /** Done with {@code statement}, {@link #prepare}d for {@code sql}: closed, unless the connection keeps it. */
  static void release(Connection connection, String sql, PreparedStatement statement) throws SQLException {
    StatementCache cache = CACHES.get(connection);
    if (cache == null || cache.statements.get(sql) != statement) {
      statement.close();
    }
  }

  /** How many statements the connection keeps open (tests). */
  static int kept(Connection connection) {
    StatementCache cache = CACHES.get(connection);
    return cache == null ? 0 : cache.statements.size();
  }
}
