package agentx.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Reads back what the storing floor ({@link RawRelay.Store}) wrote, from the benchmark's JVM (WAL lets it read beside the writer). */
final class StoredRelayEvents {
  private StoredRelayEvents() {}

  /** The last row written so far (0 for none): a run's rows are those after it. */
  static long lastRow(Path file) throws SQLException {
    return query(file, "SELECT coalesce(max(rowid), 0) FROM relay_events", -1);
  }

  /** The token events (content_block_delta) written after row {@code after}. */
  static long tokensAfter(Path file, long after) throws SQLException {
    return query(file, "SELECT count(*) FROM relay_events WHERE rowid > ? AND body LIKE 'event: content_block_delta%'", after);
  }

  private static long query(Path file, String sql, long after) throws SQLException {
    try (Connection jdbc = DriverManager.getConnection("jdbc:sqlite:" + file);
        PreparedStatement statement = jdbc.prepareStatement(sql)) {
      if (after >= 0) {
        statement.setLong(1, after);
      }
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next() ? rows.getLong(1) : 0;
      }
    }
  }
}
