package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import agentx.events.ErrorCode;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A write transaction that fails")
class TransactionFailureTest {
  @TempDir Path dir;

  @Test
  @DisplayName("SQLite having rolled it back itself (as on a full disk), the failure that ended it is what the caller sees, "
      + "not 'no transaction is active'; the connection stays usable; and a database failure is STORE_UNAVAILABLE, not INTERNAL")
  void theRealFailureIsKept() throws Exception {
    try (Connection jdbc = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"))) {
      try (Statement st = jdbc.createStatement()) {
        st.execute("CREATE TABLE t (x INTEGER)");
      }
      assertThatThrownBy(() -> Database.inTransaction(jdbc, c -> {
        try (Statement st = c.createStatement()) {
          st.execute("INSERT INTO t VALUES (1)");
          st.execute("ROLLBACK"); // what SQLite does by itself on SQLITE_FULL
        }
        throw new SQLException("[SQLITE_FULL] database or disk is full");
      })).isInstanceOf(SQLException.class).hasMessageContaining("SQLITE_FULL");
      assertThat(jdbc.getAutoCommit()).isTrue();
      String written = Database.inTransaction(jdbc, c -> {
        try (Statement st = c.createStatement()) {
          st.execute("INSERT INTO t VALUES (2)");
        }
        return "written";
      });
      assertThat(written).isEqualTo("written");
    }
    assertThat(ErrorCode.of(new RuntimeException(new SQLException("[SQLITE_READONLY] attempt to write a readonly database"))))
        .isEqualTo(ErrorCode.STORE_UNAVAILABLE);
    assertThat(ErrorCode.of(new IllegalStateException("a bug"))).isEqualTo(ErrorCode.INTERNAL);
  }
}
