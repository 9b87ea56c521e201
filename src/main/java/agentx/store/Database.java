package agentx.store;

import agentx.config.DatabaseUrl;
import agentx.events.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import java.io.File;
import java.sql.SQLException;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The JDBC pools and migrations. SQLite allows one writer at a time, so writes go through a pool of
 * exactly one connection (queued by the pool, never "database is locked"), while reads use their own
 * pool that WAL lets run beside the writer. PostgreSQL uses the same two pools with more writers,
 * possibly on several store nodes: transactions that hand out per-session numbers lock the session
 * row first ({@link Dialect#forUpdate}), and a transaction PostgreSQL aborts as a deadlock or
 * serialization victim is run again.
 */
public final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;
  /** Attempts of a write transaction that PostgreSQL aborted as a deadlock or serialization victim. */
  private static final int WRITE_ATTEMPTS = 3;

  private final DatabaseUrl url;
  private final Dialect dialect;
  private final DataSource dataSource;
  private final Pool writePool;
  private final Pool readPool;
  private final Metrics metrics;

  private Database(DatabaseUrl url, DataSource dataSource, Pool writePool, Pool readPool, Metrics metrics) {
    this.url = url;
    this.dialect = url.kind() == DatabaseUrl.Kind.SQLITE ? Dialect.SQLITE : Dialect.POSTGRESQL;
    this.dataSource = dataSource;
    this.writePool = writePool;
    this.readPool = readPool;
    this.metrics = metrics;
  }

  public static Database open(Vertx vertx, DatabaseUrl url) {
    DataSource dataSource = dataSource(url);
    boolean sqlite = url.kind() == DatabaseUrl.Kind.SQLITE;
    Pool writes = JDBCPool.pool(vertx, dataSource, new PoolOptions().setMaxSize(sqlite ? 1 : 8).setName("agentx-writes"));
    Pool reads = JDBCPool.pool(vertx, dataSource, new PoolOptions().setMaxSize(4).setName("agentx-reads"));
    return new Database(url, dataSource, writes, reads, Metrics.of(vertx));
  }

  private static DataSource dataSource(DatabaseUrl url) {
    switch (url.kind()) {
      case SQLITE -> {
        File parent = new File(url.sqlitePath()).getAbsoluteFile().getParentFile();
        if (parent != null && !parent.isDirectory() && !parent.mkdirs()) {
          throw new IllegalStateException("cannot create the database folder " + parent);
        }
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // NORMAL in WAL mode survives a process crash (kill -9); only a power cut can lose the last commits.
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MS);
        config.enforceForeignKeys(true);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl(url.jdbcUrl());
        return ds;
      }
      case POSTGRESQL -> {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url.jdbcUrl());
        if (url.user() != null) {
          ds.setUser(url.user());
        }
        if (url.password() != null) {
          ds.setPassword(url.password());
        }
        return ds;
      }
      default -> throw new IllegalArgumentException("unsupported database (use SQLite or PostgreSQL): " + url.redacted());
    }
  }

  /** This node's meters (the store records its writes there). */
  public Metrics metrics() {
    return metrics;
  }

  public DatabaseUrl url() {
    return url;
  }

  public boolean isSqlite() {
    return dialect == Dialect.SQLITE;
  }

  Dialect dialect() {
    return dialect;
  }

  /** Applies pending migrations. Blocking: call it from executeBlocking. */
  public int migrateBlocking() {
    if (SchemaCheck.current(dataSource, dialect.migrations().substring("classpath:".length()))) {
      log.info("Database {} ready (schema current)", url.redacted());
      return 0;
    }
    Flyway flyway = Flyway.configure()
        .dataSource(dataSource)
        .locations(dialect.migrations())
        .load();
    int applied = flyway.migrate().migrationsExecuted;
    log.info("Database {} ready ({} migration(s) applied)", url.redacted(), applied);
    return applied;
  }

  /** Runs {@code work} in one write transaction (again from the start if PostgreSQL aborted it as a deadlock victim). */
  public <T> Future<T> write(Function<SqlConnection, Future<T>> work) {
    long start = System.nanoTime();
    return write(work, 1).onComplete(done -> metrics.storeWrite(System.nanoTime() - start));
  }

  private <T> Future<T> write(Function<SqlConnection, Future<T>> work, int attempt) {
    return writePool.withTransaction(work).recover(failure -> {
      if (attempt < WRITE_ATTEMPTS && isRetryable(failure)) {
        log.debug("Write transaction aborted ({}); attempt {} of {}", failure.getMessage(), attempt + 1, WRITE_ATTEMPTS);
        return write(work, attempt + 1);
      }
      return Future.failedFuture(failure);
    });
  }

  /** SQLSTATE 40P01 deadlock_detected, 40001 serialization_failure: the transaction did nothing and may simply run again. */
  private static boolean isRetryable(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && ("40P01".equals(sql.getSQLState()) || "40001".equals(sql.getSQLState()))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Inside a write transaction: locks the session's row until the transaction ends and answers its
   * message count; fails with SESSION_NOT_FOUND when there is no such session. Every transaction
   * that numbers something per session starts here, so concurrent writers take turns.
   */
  Future<Long> lockSession(SqlConnection conn, String sessionId) {
    return conn.preparedQuery(dialect.forUpdate(Sql.LOCK_SESSION)).execute(Params.of(sessionId)).map(rows -> {
      var it = rows.iterator();
      if (!it.hasNext()) {
        throw SessionRepository.notFound(sessionId);
      }
      return Rows.lng(it.next(), "message_count");
    });
  }

  public Pool reads() {
    return readPool;
  }

  public Future<Void> close() {
    return Future.all(writePool.close(), readPool.close()).mapEmpty();
  }
}
