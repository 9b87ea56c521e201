package agentx.store;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * SQLite's one write connection, held by the store itself. SQLite has one writer at a time, and the
 * store's write queue already lets one write run at a time: the queue's turn is the connection. So
 * a write in its turn takes this connection directly, where asking a pool for it would cost a hop
 * on every event append (about 0.15 ms of each token's way at one session, when it was the SQL
 * client's pool). One write connection with one page cache, never two writers taking turns.
 *
 * <p>Only ever used from a write in the queue's turn (one at a time, on whatever thread that write
 * runs), and from {@link #close} once the store stops.
 */
final class SqliteWriter {
  private final DataSource sqlite;
  private Connection connection;

  SqliteWriter(DataSource sqlite) {
    this.sqlite = sqlite;
  }

  /** The write connection, opened on first use (blocking: called on a worker thread). */
  synchronized Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      if (connection != null) {
        StatementCache.forget(connection);
      }
      connection = sqlite.getConnection();
      StatementCache.register(connection);
    }
    return connection;
  }

  synchronized void close() {
    if (connection != null) {
      StatementCache.forget(connection);
      Jdbc.closeQuietly(connection);
      connection = null;
    }
  }
}
