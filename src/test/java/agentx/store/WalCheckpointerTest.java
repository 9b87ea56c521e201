package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.DatabaseUrl;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

@DisplayName("SQLite's log copied into the database file beside the writer")
class WalCheckpointerTest {

  /** A data source on {@code file} in WAL mode, as the store opens SQLite (the store's tests share it). */
  static SQLiteDataSource walDataSource(Path file) {
    SqliteNativeLibrary.prepare();
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    SQLiteDataSource ds = new SQLiteDataSource(config);
    ds.setUrl("jdbc:sqlite:" + file);
    return ds;
  }

  @Test
  @DisplayName("commits below the writer's own threshold reach the database file, and the log starts over")
  void copiesTheLogWhileTheWriterWrites(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("wal.db");
    SQLiteDataSource ds = walDataSource(file);
    try (Connection writer = ds.getConnection(); Statement s = writer.createStatement()) {
      s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)");
      long fileBefore = Files.size(file);
      // about 600 KB, 150 pages: well below the 1,000 pages at which the writer checkpoints itself
      try (PreparedStatement insert = writer.prepareStatement("INSERT INTO t (body) VALUES (?)")) {
        for (int i = 0; i < 300; i++) {
          insert.setString(1, "x".repeat(2_000));
          insert.executeUpdate();
        }
      }
      assertThat(Files.size(file)).as("the rows are in the log only, before").isEqualTo(fileBefore);

      WalCheckpointer checkpointer = new WalCheckpointer(ds, "test");
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (checkpointer.caughtUp() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(checkpointer.caughtUp()).as("runs that copied the whole log").isPositive();
        assertThat(Files.size(file)).as("the database file holds the rows").isGreaterThan(fileBefore + 500_000);

        // the writer's next transaction starts the log over: no page of it left to copy
        s.execute("INSERT INTO t (body) VALUES ('after')");
        try (ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
          assertThat(r.next()).isTrue();
          assertThat(r.getLong(2)).as("pages in the log after it started over").isLessThan(10);
        }
      } finally {
        checkpointer.close();
      }
    }
  }

  @Test
  @DisplayName("a database it cannot open is tried again at every interval, and stops on close")
  void survivesFailures(@TempDir Path dir) throws Exception {
    // a folder that is not there: every getConnection fails
    SQLiteDataSource ds = walDataSource(dir.resolve("missing").resolve("wal.db"));
    WalCheckpointer checkpointer = new WalCheckpointer(ds, "test");
    try {
      Thread.sleep(5 * WalCheckpointer.INTERVAL_MS);
      assertThat(checkpointer.caughtUp()).isZero();
      assertThat(checkpointer.stopped()).as("a failure does not end the schedule").isFalse();

      // the folder appears: the next run opens the database and copies its log
      Files.createDirectories(dir.resolve("missing"));
      try (Connection writer = ds.getConnection(); Statement s = writer.createStatement()) {
        s.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)");
        s.execute("INSERT INTO t (body) VALUES ('x')");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (checkpointer.caughtUp() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(checkpointer.caughtUp()).as("runs that copied the whole log, once it could").isPositive();
      }
    } finally {
      checkpointer.close();
    }
    assertThat(checkpointer.stopped()).isTrue();
  }

  @Test
  @DisplayName("a SQLite store has one, stopped with the store")
  void theStoreRunsOne(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Database db = Database.open(vertx, DatabaseUrl.parse("jdbc:sqlite:" + dir.resolve("store.db")));
      assertThat(db.checkpointer()).isNotNull();
      db.close().await(10, TimeUnit.SECONDS);
      assertThat(db.checkpointer().stopped()).as("its thread ends with the store").isTrue();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
