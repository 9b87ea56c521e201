package agentx.store;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * SQLite's one write connection, held by the store itself. SQLite has one writer at a time, and the
 * store's write queue already lets one write run at a time: the queue's turn is the connection. So
 * a JDBC write in its turn takes this connection directly, where asking the SQL client's pool for it
 * would cost a hop through the pool's event loop on every event append (about 0.15 ms of each
 * token's way at one session). The SQL client's writes ({@link Database#write}) get the same
 * connection through this class as their pool's data source (a pool of one that never closes it),
 * so there is still one write connection with one page cache, never two writers taking turns.
 *
 * <p>Only ever used from a write in the queue's turn (one at a time, on whatever thread that write
 * runs), and from {@link #close} after the pool is closed.
 */
final class SqliteWriter implements DataSource {
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

  /** The write connection as the pool sees it: closing it there leaves it open here. */
  @Override
  public Connection getConnection() throws SQLException {
    Connection real = connection();
    return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
        (proxy, method, args) -> {
          switch (method.getName()) {
            case "close":
              return null;
            case "isClosed":
              return real.isClosed();
            case "unwrap":
              if (((Class<?>) args[0]).isInstance(proxy)) {
                return proxy;
              }
              break;
            case "equals":
              return proxy == args[0];
            case "hashCode":
              return System.identityHashCode(proxy);
            default:
              break;
          }
          try {
            return method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return getConnection();
  }

  synchronized void close() {
    if (connection != null) {
      StatementCache.forget(connection);
      Jdbc.closeQuietly(connection);
      connection = null;
    }
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {
  }

  @Override
  public void setLoginTimeout(int seconds) {
  }

  @Override
  public int getLoginTimeout() {
    return 0;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper for " + iface.getName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }
}
