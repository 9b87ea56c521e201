package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

@DisplayName("Statements kept open on SQLite's write connection")
class StatementCacheTest {
  private static final Jdbc.RowReader<Long> NUMBER = row -> row.getLong(1);

  private static void run(Connection connection, String... sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String each : sql) {
        statement.execute(each);
      }
    }
  }

  @Test
  @DisplayName("a statement is compiled once and run again with new values; one not kept is closed after use")
  void keptAndReused(@TempDir Path dir) throws SQLException {
    SQLiteDataSource ds = WalCheckpointerTest.walDataSource(dir.resolve("c.db"));
    try (Connection writer = ds.getConnection(); Connection other = ds.getConnection()) {
      run(writer, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)");
      StatementCache.register(writer);
      try {
        String insert = "INSERT INTO t (k, v) VALUES (?, ?)";
        PreparedStatement first = StatementCache.prepare(writer, insert);
        StatementCache.release(writer, insert, first);
        for (int i = 0; i < 3; i++) {
          Jdbc.update(writer, insert, "k" + i, i);
        }
        assertThat(StatementCache.prepare(writer, insert)).as("the same statement").isSameAs(first);
        assertThat(first.isClosed()).isFalse();
        assertThat(Jdbc.list(writer, "SELECT v FROM t ORDER BY k", NUMBER)).containsExactly(0L, 1L, 2L);
        assertThat(Jdbc.first(writer, "SELECT v FROM t WHERE k = ?", NUMBER, "k2")).isEqualTo(2L);
        assertThat(Jdbc.first(writer, "SELECT v FROM t WHERE k = ?", NUMBER, "k1")).isEqualTo(1L);
        assertThat(StatementCache.kept(writer)).isEqualTo(3);

        // a failed run (the key is taken) leaves the kept statement usable
        assertThatThrownBy(() -> Jdbc.update(writer, insert, "k1", 9)).isInstanceOf(SQLException.class);
        Jdbc.update(writer, insert, "k3", 3);
        assertThat(Jdbc.first(writer, "SELECT COUNT(*) FROM t", NUMBER)).isEqualTo(4L);

        // without a cache, a connection's statements are closed after use, as before
        PreparedStatement plain = StatementCache.prepare(other, "SELECT 1");
        StatementCache.release(other, "SELECT 1", plain);
        assertThat(plain.isClosed()).isTrue();
        assertThat(StatementCache.kept(other)).isZero();
      } finally {
        StatementCache.forget(writer);
      }
      assertThat(StatementCache.kept(writer)).isZero();
    }
  }

  @Test
  @DisplayName("at most the limit are kept, the least recently used closed first; forgetting closes the rest")
  void bounded(@TempDir Path dir) throws SQLException {
    SQLiteDataSource ds = WalCheckpointerTest.walDataSource(dir.resolve("b.db"));
    try (Connection writer = ds.getConnection()) {
      StatementCache.register(writer);
      List<PreparedStatement> made = new ArrayList<>();
      PreparedStatement hot = StatementCache.prepare(writer, "SELECT 0");
      try {
        StatementCache.release(writer, "SELECT 0", hot);
        for (int i = 1; i <= StatementCache.MAX_STATEMENTS + 5; i++) {
          String sql = "SELECT " + i;
          PreparedStatement statement = StatementCache.prepare(writer, sql);
          made.add(statement);
          StatementCache.release(writer, sql, statement);
          StatementCache.release(writer, "SELECT 0", StatementCache.prepare(writer, "SELECT 0")); // used all along
        }
        assertThat(StatementCache.kept(writer)).isEqualTo(StatementCache.MAX_STATEMENTS);
        assertThat(made.subList(0, 6)).allMatch(StatementCacheTest::closed);
        assertThat(made.subList(6, made.size())).noneMatch(StatementCacheTest::closed);
        assertThat(hot.isClosed()).as("the one used all along").isFalse();
      } finally {
        StatementCache.forget(writer);
      }
      assertThat(made).allMatch(StatementCacheTest::closed);
      assertThat(hot.isClosed()).isTrue();
    }
  }

  @Test
  @DisplayName("a kept query holds no read snapshot once read: the log can be copied and started over")
  void keptQueryLeavesNoSnapshot(@TempDir Path dir) throws SQLException {
    SQLiteDataSource ds = WalCheckpointerTest.walDataSource(dir.resolve("s.db"));
    try (Connection writer = ds.getConnection(); Connection checkpoint = ds.getConnection()) {
      run(writer, "CREATE TABLE t (k INTEGER PRIMARY KEY)", "INSERT INTO t (k) VALUES (1), (2), (3)");
      StatementCache.register(writer);
      try {
        // reads the first of three rows only, the statement kept open
        assertThat(Jdbc.first(writer, "SELECT k FROM t ORDER BY k", NUMBER)).isEqualTo(1L);
        try (Statement s = checkpoint.createStatement(); ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
          assertThat(r.next()).isTrue();
          assertThat(r.getInt(1)).as("busy: a reader still on the log").isZero();
        }
      } finally {
        StatementCache.forget(writer);
      }
    }
  }

  private static boolean closed(PreparedStatement statement) {
    try {
      return statement.isClosed();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
