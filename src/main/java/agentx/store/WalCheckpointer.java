package agentx.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SQLite only: copies the write-ahead log into the database file from a thread and connection of its
 * own, every {@value #INTERVAL_MS} ms, so the writer seldom has to.
 *
 * <p>Without it SQLite's writer does it: the commit that takes the log past 1,000 pages (4 MB) copies
 * those pages into the database file and syncs both files before it returns, while every append
 * waits behind it. Streaming many answers at once that is several times a second: a commit of one
 * token from each of 64 sessions changes a leaf page of the events' key for each of them, so the log
 * grows by about a 4 KB page per token. A passive checkpoint runs beside the writer (in WAL mode it
 * waits for no reader or writer and takes no write lock), so the writer's own checkpoint, still due
 * at 1,000 pages, finds all but the last few pages copied and only then lets the log start over.
 */
final class WalCheckpointer {
  private static final Logger log = LoggerFactory.getLogger(WalCheckpointer.class);
  static final long INTERVAL_MS = 100;

  private final DataSource dataSource;
  private final String name;
  private final ScheduledExecutorService thread;
  private final AtomicLong caughtUp = new AtomicLong();
  private Connection connection;
  private String lastFailure;

  WalCheckpointer(DataSource dataSource, String name) {
    this.dataSource = dataSource;
    this.name = name;
    this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread t = new Thread(runnable, "agentx-wal-checkpoint");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::checkpoint, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
  }

  /** How many of this checkpointer's runs ended with every page of a non-empty log in the database file. */
  long caughtUp() {
    return caughtUp.get();
  }

  private void checkpoint() {
    try {
      if (connection == null) {
        connection = dataSource.getConnection();
      }
      try (Statement statement = connection.createStatement();
          ResultSet result = statement.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
        if (result.next()) {
          // busy, pages in the log, pages of it now in the database file (-1 and -1 outside WAL mode)
          long pages = result.getLong(2);
          if (pages > 0 && result.getLong(3) == pages) {
            caughtUp.incrementAndGet();
          }
        }
      }
      lastFailure = null;
    } catch (SQLException | RuntimeException e) {
      String failure = e.getMessage();
      if (!Objects.equals(failure, lastFailure)) {
        log.warn("Checkpoint of {} failed (the writer checkpoints meanwhile): {}", name, failure);
        lastFailure = failure;
      }
      closeConnection();
    }
  }

  private void closeConnection() {
    if (connection != null) {
      Jdbc.closeQuietly(connection);
      connection = null;
    }
  }

  boolean stopped() {
    return thread.isTerminated();
  }

  /** Stops the thread and closes its connection; waits up to a second for a checkpoint under way. */
  void close() {
    thread.execute(this::closeConnection);
    thread.shutdown();
    try {
      thread.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
