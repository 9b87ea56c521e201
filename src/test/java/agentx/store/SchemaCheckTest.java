package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

class SchemaCheckTest {
  private static final String FOLDER = "db/migration/sqlite";

  @Test
  @DisplayName("a database with every shipped migration applied is current; a missing, failed or unknown one, or no history, is not")
  void current(@TempDir Path dir) throws Exception {
    SQLiteDataSource ds = new SQLiteDataSource();
    ds.setUrl("jdbc:sqlite:" + dir.resolve("check.db"));
    assertThat(SchemaCheck.shipped(FOLDER)).contains("V1__schema.sql").allMatch(name -> name.startsWith("V"));
    assertThat(SchemaCheck.current(ds, FOLDER)).as("no history table").isFalse();

    Flyway.configure().dataSource(ds).locations("classpath:" + FOLDER).load().migrate();
    assertThat(SchemaCheck.current(ds, FOLDER)).isTrue();

    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("UPDATE flyway_schema_history SET success = 0 WHERE script = 'V1__schema.sql'");
      assertThat(SchemaCheck.current(ds, FOLDER)).as("a failed migration").isFalse();
      s.execute("UPDATE flyway_schema_history SET success = 1 WHERE script = 'V1__schema.sql'");
      s.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)"
          + " VALUES (99, '99', 'from a newer build', 'SQL', 'V99__newer.sql', 0, 'x', 0, 1)");
      assertThat(SchemaCheck.current(ds, FOLDER)).as("a migration this build does not have").isFalse();
      s.execute("DELETE FROM flyway_schema_history WHERE version IN ('99', '1')");
      assertThat(SchemaCheck.current(ds, FOLDER)).as("a migration not applied").isFalse();
    }
  }
}
