package agentx.store;

import agentx.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlConnection;
import java.io.File;
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
 * pool that WAL lets run beside the writer. PostgreSQL uses the same two pools with more writers.
 */
public final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;

  private final DatabaseUrl url;
  private final DataSource dataSource;
  private final Pool writePool;
  private final Pool readPool;

  private Database(DatabaseUrl url, DataSource dataSource, Pool writePool, Pool readPool) {
    this.url = url;
    this.dataSource = dataSource;
    this.writePool = writePool;
    this.readPool = readPool;
  }

  public static Database open(Vertx vertx, DatabaseUrl url) {
    DataSource dataSource = dataSource(url);
    boolean sqlite = url.kind() == DatabaseUrl.Kind.SQLITE;
    Pool writes = JDBCPool.pool(vertx, dataSource, new PoolOptions().setMaxSize(sqlite ? 1 : 8).setName("agentx-writes"));
    Pool reads = JDBCPool.pool(vertx, dataSource, new PoolOptions().setMaxSize(4).setName("agentx-reads"));
    return new Database(url, dataSource, writes, reads);
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

  public DatabaseUrl url() {
    return url;
  }

  public boolean isSqlite() {
    return url.kind() == DatabaseUrl.Kind.SQLITE;
  }

  /** Applies pending migrations. Blocking: call it from executeBlocking. */
  public int migrateBlocking() {
    String folder = isSqlite() ? "sqlite" : "postgresql";
    Flyway flyway = Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:db/migration/" + folder)
        .load();
    int applied = flyway.migrate().migrationsExecuted;
    log.info("Database {} ready ({} migration(s) applied)", url.redacted(), applied);
    return applied;
  }

  /** Runs {@code work} in one write transaction. */
  public <T> Future<T> write(Function<SqlConnection, Future<T>> work) {
    return writePool.withTransaction(work);
  }

  public Pool reads() {
    return readPool;
  }

  public Future<Void> close() {
    return Future.all(writePool.close(), readPool.close()).mapEmpty();
  }
}
