package agentx.store;

import io.vertx.core.json.JsonArray;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The store's statements, run with plain JDBC inside the one blocking call of a read or a write
 * transaction ({@link Database#readJdbc}, {@link Database#writeJdbc}), each compiled once per
 * connection ({@link StatementCache}). Text parameters are written the same way on every database:
 * PostgreSQL rejects text containing NUL (U+0000) where SQLite would keep it, so NUL becomes U+FFFD
 * (the replacement character) on both, and what is stored does not depend on the backend. JSON
 * columns are unaffected: their encoder already writes NUL as the escape {@code \u0000}.
 */
final class Jdbc {
  static final char NUL = '\u0000';
  static final char REPLACEMENT = '\uFFFD';

  private Jdbc() {}

  /** Reads one row of a result. */
  @FunctionalInterface
  interface RowReader<T> {
    T read(ResultSet row) throws SQLException;
  }

  /**
   * Closes a connection or a statement whose owner is done with it (closing, or dropping it after a
   * failure); a failure to close is not worth a line: the next use opens a fresh one, and SQLite's log is
   * whole either way.
   */
  static void closeQuietly(AutoCloseable resource) {
    try {
      resource.close();
    } catch (Exception ignored) {
      // nothing left to keep
    }
  }

  /** Runs an INSERT, UPDATE or DELETE; answers the number of rows it changed. */
  static int update(Connection connection, String sql, Object... params) throws SQLException {
    PreparedStatement statement = prepared(connection, sql, params);
    try {
      return statement.executeUpdate();
    } finally {
      StatementCache.release(connection, sql, statement);
    }
  }

  /** The first row of a query, read by {@code reader}, or null when there is none. */
  static <T> T first(Connection connection, String sql, RowReader<T> reader, Object... params) throws SQLException {
    PreparedStatement statement = prepared(connection, sql, params);
    try (ResultSet rows = statement.executeQuery()) {
      return rows.next() ? reader.read(rows) : null;
    } finally {
      StatementCache.release(connection, sql, statement);
    }
  }

  /** Every row of a query, each read by {@code reader}, in the order the database answers them. */
  static <T> List<T> list(Connection connection, String sql, RowReader<T> reader, Object... params) throws SQLException {
    List<T> out = new ArrayList<>();
    PreparedStatement statement = prepared(connection, sql, params);
    try (ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        out.add(reader.read(rows));
      }
    } finally {
      StatementCache.release(connection, sql, statement);
    }
    return out;
  }

  /** A text parameter as stored: NUL replaced (see above). */
  static String text(String s) {
    return s.indexOf(NUL) < 0 ? s : s.replace(NUL, REPLACEMENT);
  }

  /** A JSON array column's text as an array; NULL or empty is an empty array. */
  static JsonArray jsonArray(String text) {
    return text == null || text.isEmpty() ? new JsonArray() : new JsonArray(text);
  }

  /** A BIGINT or INTEGER column that may be NULL: null then. */
  static Long nullableLong(ResultSet row, String column) throws SQLException {
    long value = row.getLong(column);
    return row.wasNull() ? null : value;
  }

  /** A REAL (SQLite) or DOUBLE PRECISION (PostgreSQL) column that may be NULL (unknown): null then. */
  static Double nullableDouble(ResultSet row, String column) throws SQLException {
    double value = row.getDouble(column);
    return row.wasNull() ? null : value;
  }

  private static PreparedStatement prepared(Connection connection, String sql, Object... params) throws SQLException {
    PreparedStatement statement = StatementCache.prepare(connection, sql);
    try {
      for (int i = 0; i < params.length; i++) {
        Object value = params[i];
        statement.setObject(i + 1, value instanceof String s ? text(s) : value);
      }
      return statement;
    } catch (SQLException | RuntimeException e) {
      StatementCache.release(connection, sql, statement);
      throw e;
    }
  }
}
