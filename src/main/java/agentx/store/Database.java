package agentx.store;

import agentx.config.DatabaseUrl;
import agentx.events.Metrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.File;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The database's connections and migrations. Every read and every write transaction is one blocking
 * call on a worker thread with a connection's plain JDBC ({@link #readJdbc}, {@link #writeJdbc}). SQLite
 * allows one writer at a time, so its writes go through one connection the store holds
 * ({@link SqliteWriter}; never "database is locked"), while reads use a pool of their own that WAL lets
 * run beside the writer. PostgreSQL's writes use a pool of several connections, possibly on several
 * store nodes: transactions that hand out per-session numbers lock the session row first
 * ({@link Dialect#forUpdate}), and a transaction PostgreSQL aborts as a deadlock or serialization
 * victim is run again.
 *
 * <p>Write transactions take their turn in this class's own queue, as many at once as the write pool
 * has connections, and the event log's appends ({@link #writeEvents}) go before every other waiting
 * write: a burst of turn starts (a thousand users pressing Send at once) must not hold back the tokens
 * of the answers already streaming. With both kinds waiting they alternate, so a steady stream of
 * appends never starves a turn's start or end either (an append carries all the events waiting); a
 * backlog of those that has waited seconds goes first (see {@link WriteQueue}).
 */
public final class Database {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;
  /** Attempts of a write transaction that PostgreSQL aborted as a deadlock or serialization victim. */
  private static final int WRITE_ATTEMPTS = 3;
  /** How long a write that found SQLite's write lock taken pauses before it tries again. */
  private static final long SQLITE_BUSY_PAUSE_MS = 5;
  /** Read connections: replays, session and turn reads, beside the writes. */
  private static final int READERS = 4;

  private final DatabaseUrl url;
  private final Dialect dialect;
  private final DataSource dataSource;
  /** PostgreSQL's write connections; null on SQLite. */
  private final ConnectionPool writePool;
  /** SQLite's write connection; null on PostgreSQL. */
  private final SqliteWriter sqliteWriter;
  private final ConnectionPool readPool;
  private final Metrics metrics;
  private final Vertx vertx;
  private final WriteQueue queue;
  /** Write transactions handed to another thread with executeBlocking (the rest ran where they were asked). */
  private final LongAdder handedOver = new LongAdder();
  /** SQLite's log copied into the database file beside the writer; null on PostgreSQL. */
  private final WalCheckpointer checkpointer;
  /** The sessions' last event numbers between appends (SQLite only; see {@link LastSeqs}). */
  private final LastSeqs lastSeqs;

  private Database(Vertx vertx, DatabaseUrl url, DataSource dataSource, SqliteWriter sqliteWriter, ConnectionPool writePool,
      ConnectionPool readPool,
      int writers, Metrics metrics) {
    this.vertx = vertx;
    this.queue = new WriteQueue(writers);
    this.url = url;
    this.dialect = url.kind() == DatabaseUrl.Kind.SQLITE ? Dialect.SQLITE : Dialect.POSTGRESQL;
    this.dataSource = dataSource;
    this.writePool = writePool;
    this.sqliteWriter = sqliteWriter;
    this.readPool = readPool;
    this.metrics = metrics;
    this.checkpointer = dialect == Dialect.SQLITE ? new WalCheckpointer(dataSource, url.redacted()) : null;
    this.lastSeqs = dialect == Dialect.SQLITE ? LastSeqs.remembered() : LastSeqs.none();
  }

  public static Database open(Vertx vertx, DatabaseUrl url) {
    DataSource dataSource = dataSource(url);
    boolean sqlite = url.kind() == DatabaseUrl.Kind.SQLITE;
    int writers = sqlite ? 1 : 8;
    SqliteWriter sqliteWriter = sqlite ? new SqliteWriter(dataSource) : null;
    ConnectionPool writes = sqlite ? null : new ConnectionPool(vertx, dataSource, writers, "write");
    ConnectionPool reads = new ConnectionPool(vertx, dataSource, READERS, "read");
    return new Database(vertx, url, dataSource, sqliteWriter, writes, reads, writers, Metrics.of(vertx));
  }

  private static DataSource dataSource(DatabaseUrl url) {
    switch (url.kind()) {
      case SQLITE -> {
        SqliteNativeLibrary.prepare();
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
        // no statement of the store asks for generated keys; with them on, the driver runs a
        // "SELECT last_insert_rowid()" of its own (prepared anew) after every INSERT
        config.setGetGeneratedKeys(false);
        SQLiteDataSource ds = new SQLiteDataSource(config);
        ds.setUrl(url.jdbcUrl());
        return ds;
      }
      case POSTGRESQL -> {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url.jdbcUrl());
        // a JDBC batch (the event log's rows) goes as multi-row INSERTs, not one round trip per row
        ds.setReWriteBatchedInserts(true);
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

  /** How many JDBC write transactions were handed to another thread so far (the store's tests read it). */
  long writesHandedOver() {
    return handedOver.sum();
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

  /** The sessions' last event numbers as this store committed them; only read and changed in a write's turn. */
  LastSeqs lastSeqs() {
    return lastSeqs;
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

  /** Blocking work on a JDBC connection. */
  @FunctionalInterface
  interface JdbcWork<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in one write transaction on the write connection's JDBC connection, all of it in
   * one blocking call on a worker thread, ahead of every other waiting write. For the event log's
   * group commit, the hottest write there is: the SQL client would hand each statement (begin, three
   * statements, commit) to a worker thread and back, and describe each one's parameters and results;
   * here that is one hop and plain JDBC. {@code committed} is called with the result on that worker
   * thread right after the commit (the store publishes the events from there: the way back to the
   * store's event loop is then not on their way to the clients).
   */
  <T> Future<T> writeEvents(JdbcWork<T> work, Consumer<T> committed) {
    return writeJdbc(true, work, committed);
  }

  /**
   * Runs {@code work} in one write transaction on a write connection, in one blocking call on a worker
   * thread, in its turn among the other writes (every write but the event log's appends: a turn's start,
   * messages and end, tool calls, approvals, workflows, sessions). Run again from the start when
   * PostgreSQL aborted it as a deadlock or serialization victim.
   */
  <T> Future<T> writeJdbc(JdbcWork<T> work) {
    return writeJdbc(false, work, result -> { });
  }

  private <T> Future<T> writeJdbc(boolean ahead, JdbcWork<T> work, Consumer<T> committed) {
    long start = System.nanoTime();
    return queue.<T>submit(ahead, () -> retrying(() -> sqliteWriter != null
        // SQLite: the queue's turn is the write connection's (see SqliteWriter)
        ? transaction(ahead, sqliteWriter::connection, work, committed)
        : handedOver(writePool.run(jdbc -> committedTransaction(jdbc, work, committed))), 1))
        .onComplete(done -> metrics.storeWrite(System.nanoTime() - start));
  }

  /**
   * A write that changes no row ({@link Dialect#writeProbe}; SQLite opens a file it may not write read-only without
   * a word, and reads go on): fails as the database refuses writes. At start-up and for each {@code /health}: the
   * store is up when it can write, not when it can read. It takes the appends' lane, so a backlog of turn writes
   * (a thousand turns starting) does not hold it past the health check's timeout and make a busy store look down.
   */
  Future<Void> probeWrite() {
    return writeJdbc(true, jdbc -> {
      dialect.writeProbe(jdbc);
      return null;
    }, done -> { });
  }

  /**
   * A sentence for a failure that means the database itself refuses writes: SQLite's READONLY (8), IOERR (10),
   * CORRUPT (11), FULL (13), CANTOPEN (14), NOTADB (26); PostgreSQL's read-only transaction (25006), its
   * insufficient resources (53…, a full disk) and system errors (58…). Null for anything else (a constraint, a
   * busy lock: the database writes).
   */
  static String refusal(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        boolean sqliteRefusal = sql instanceof org.sqlite.SQLiteException && switch (sql.getErrorCode() & 0xff) {
          case 8, 10, 11, 13, 14, 26 -> true;
          default -> false;
        };
        boolean pgRefusal = state != null && (state.equals("25006") || state.startsWith("53") || state.startsWith("58"));
        if (sqliteRefusal || pgRefusal) {
          return sql.getMessage();
        }
      }
    }
    return null;
  }

  private interface JdbcConnection {
    Connection get() throws SQLException;
  }

  /**
   * One transaction on SQLite's write connection, on a worker thread. An append asked for on a worker
   * thread (the appends' own worker context, see {@link EventAppendVerticle}) runs right there: it
   * waits for nobody but the queue. Every other write is handed to a worker thread, even from there:
   * run inline, a turn write would hold the appends' context, and the queue would start the next
   * waiting turn write from it too, so the append requests arriving meanwhile could not reach the
   * queue until the run of turn writes ended; a thousand turns starting at once halted every token
   * for most of a second. (PostgreSQL's several writers are a {@link ConnectionPool}'s, whose work
   * always runs on a worker thread of its own: the appends must not take turns on one thread there.)
   */
  private <T> Future<T> transaction(boolean ahead, JdbcConnection connection, JdbcWork<T> work, Consumer<T> committed) {
    Callable<T> transaction = () -> committedTransaction(connection.get(), work, committed);
    if (ahead && Context.isOnWorkerThread()) {
      try {
        return Future.succeededFuture(transaction.call());
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }
    return handedOver(vertx.executeBlocking(transaction, false));
  }

  /** Counts a write handed to a worker thread (see {@link #writesHandedOver}). */
  private <T> Future<T> handedOver(Future<T> write) {
    handedOver.increment();
    return write;
  }

  /** {@code work} in one transaction, then {@code committed} told its result. Blocking. */
  private <T> T committedTransaction(Connection jdbc, JdbcWork<T> work, Consumer<T> committed) throws SQLException {
    T result = inTransaction(jdbc, work);
    try {
      committed.accept(result);
    } catch (RuntimeException e) {
      // the transaction is committed: what the callback failed to do cannot undo it
      log.error("After a write committed: {}", e.toString(), e);
    }
    return result;
  }

  static <T> T inTransaction(Connection jdbc, JdbcWork<T> work) throws SQLException {
    jdbc.setAutoCommit(false);
    T result;
    try {
      result = work.run(jdbc);
      jdbc.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        jdbc.rollback();
      } catch (SQLException rollback) {
        e.addSuppressed(rollback);
      }
      // SQLite may have rolled the transaction back itself (a full disk): switching auto-commit back on then
      // fails too ("no transaction is active"), and must not hide why the transaction failed
      try {
        jdbc.setAutoCommit(true);
      } catch (SQLException restore) {
        e.addSuppressed(restore);
      }
      throw e;
    }
    jdbc.setAutoCommit(true);
    return result;
  }

  private <T> Future<T> retrying(Supplier<Future<T>> attempt, int n) {
    return retrying(attempt, n, 0L);
  }

  /**
   * {@code attempt} again when it did nothing and may simply run again: a PostgreSQL deadlock victim
   * or serialization failure (up to {@value #WRITE_ATTEMPTS} attempts), or SQLite's write lock found
   * taken by another connection after the transaction had read (tried again after a pause, for up
   * to the busy timeout since the first: SQLite waits for the lock at a transaction's start, but
   * not when a transaction that holds a read asks for it, as two of those could wait for each
   * other; a turn start reads the session's row first). The write queue's turn is held meanwhile:
   * with one writer nothing else could write either.
   */
  private <T> Future<T> retrying(Supplier<Future<T>> attempt, int n, long busySince) {
    return attempt.get().recover(failure -> {
      if (n < WRITE_ATTEMPTS && isRetryable(failure)) {
        log.debug("Write transaction aborted ({}); attempt {} of {}", failure.getMessage(), n + 1, WRITE_ATTEMPTS);
        return retrying(attempt, n + 1, busySince);
      }
      long now = System.nanoTime();
      long since = busySince != 0L ? busySince : now;
      if (dialect == Dialect.SQLITE && isSqliteBusy(failure) && now - since < TimeUnit.MILLISECONDS.toNanos(SQLITE_BUSY_TIMEOUT_MS)) {
        if (busySince == 0L) {
          log.debug("SQLite's write lock is held by another connection; the write waits for it");
        }
        Promise<T> again = Promise.promise();
        vertx.setTimer(SQLITE_BUSY_PAUSE_MS, t -> retrying(attempt, n, since).onComplete(again));
        return again.future();
      }
      return Future.failedFuture(failure);
    });
  }

  /** SQLITE_BUSY (5) or one of its extended codes, anywhere in the cause chain. */
  private static boolean isSqliteBusy(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && (sql.getErrorCode() & 0xff) == 5) {
        return true;
      }
    }
    return false;
  }

  /**
   * Write transactions in order of arrival, at most {@code writers} at once, appends first but
   * alternating with the others while both wait; and while the oldest of the others has waited
   * longer than {@link #overdueNanos}, those go first until it has not. Thread-safe (the store
   * verticle uses it from its event loop, tests from theirs); the work itself starts outside the lock.
   *
   * <p>One for one is right for a burst of turn starts beside streaming answers (tokens keep moving,
   * the starts follow within a second or two). But 3,000 users pressing Send at once, each turn three
   * writes, waited thousands of append transactions: past the bus's 30 s their turns failed with "The
   * session store did not answer in time". A backlog that old is worked off first, the appends
   * waiting meanwhile (their producers are held back by the event log's high-water mark).
   */
  private static final class WriteQueue {
    private record Waiting(Runnable task, long queuedNanos) {}

    private final int writers;
    private final ArrayDeque<Runnable> first = new ArrayDeque<>();
    private final ArrayDeque<Waiting> rest = new ArrayDeque<>();
    private int running;
    /** Whether the last write started was an append: with both kinds waiting, they alternate, so neither starves. */
    private boolean lastAhead;
    private volatile long overdueNanos = TimeUnit.SECONDS.toNanos(5);

    WriteQueue(int writers) {
      this.writers = writers;
    }

    <T> Future<T> submit(boolean ahead, Supplier<Future<T>> work) {
      Promise<T> done = Promise.promise();
      // the write may end on another thread than it was asked on (the appends' worker, an event loop):
      // its caller goes on on its own context, as the code of a verticle expects
      Context caller = Vertx.currentContext();
      Runnable task = () -> {
        Future<T> result;
        try {
          result = work.get();
        } catch (RuntimeException e) {
          result = Future.failedFuture(e);
        }
        result.onComplete(r -> {
          synchronized (this) {
            running--;
          }
          // told before the next starts, so writes are reported in the order they were written
          if (caller == null || caller == Vertx.currentContext()) {
            done.handle(r);
          } else {
            caller.runOnContext(v -> done.handle(r));
          }
          next();
        });
      };
      synchronized (this) {
        if (ahead) {
          first.add(task);
        } else {
          rest.add(new Waiting(task, System.nanoTime()));
        }
      }
      next();
      return done.future();
    }

    private void next() {
      while (true) {
        Runnable task;
        synchronized (this) {
          if (running >= writers || (first.isEmpty() && rest.isEmpty())) {
            return;
          }
          boolean overdue = !rest.isEmpty() && System.nanoTime() - rest.peek().queuedNanos() > overdueNanos;
          boolean ahead = !first.isEmpty() && !overdue && (!lastAhead || rest.isEmpty());
          task = ahead ? first.poll() : rest.poll().task();
          lastAhead = ahead;
          running++;
        }
        task.run();
      }
    }
  }

  /** For tests: how long a write other than an append may wait before the backlog of those goes first (5 s). */
  void overdueAfter(long millis) {
    queue.overdueNanos = TimeUnit.MILLISECONDS.toNanos(millis);
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

  /** Runs {@code work} on a read connection's JDBC connection, in one blocking call on a worker thread (see {@link #writeJdbc}). */
  <T> Future<T> readJdbc(JdbcWork<T> work) {
    return readPool.run(work);
  }

  /**
   * Inside a write transaction: locks the session's row until the transaction ends and answers its
   * message count; fails with SESSION_NOT_FOUND when there is no such session. Every transaction
   * that numbers something per session starts here, so concurrent writers take turns.
   */
  long lockSession(Connection jdbc, String sessionId) throws SQLException {
    Long count = Jdbc.first(jdbc, dialect.forUpdate(Sql.LOCK_SESSION), row -> row.getLong(1), sessionId);
    if (count == null) {
      throw SessionRepository.notFound(sessionId);
    }
    return count;
  }

  public Future<Void> close() {
    Future<Void> checkpoints = checkpointer == null ? Future.succeededFuture()
        : vertx.executeBlocking(() -> {
          checkpointer.close();
          return null;
        });
    return checkpoints.eventually(() -> vertx.executeBlocking(() -> {
      readPool.close();
      if (writePool != null) {
        writePool.close();
      }
      if (sqliteWriter != null) {
        sqliteWriter.close();
      }
      return null;
    })).mapEmpty();
  }

  /** The SQLite log's background checkpointer, for tests; null on PostgreSQL. */
  WalCheckpointer checkpointer() {
    return checkpointer;
  }
}
