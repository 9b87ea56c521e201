package agentx.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed number of JDBC connections, each lent to one piece of blocking work at a time, on a worker
 * thread; work that finds them all lent waits its turn (no thread blocks for it). Each connection
 * keeps its statements compiled ({@link StatementCache}). A connection that failed and is no longer
 * valid (the database restarted, a network cut) is closed and replaced by a new one when next needed.
 *
 * <p>The store's reads, and PostgreSQL's writes, go through one of these: the whole of a read or a
 * transaction is one blocking call with the connection's plain JDBC ({@link Database#readJdbc},
 * {@link Database#writeJdbc}).
 */
final class ConnectionPool {
  private static final Logger log = LoggerFactory.getLogger(ConnectionPool.class);
  /** Seconds a failed connection is given to prove it is still valid. */
  private static final int VALID_TIMEOUT_S = 2;
  /** A connection idle longer than this is checked before it is lent (a round trip, only after a quiet second). */
  private static final long IDLE_CHECK_NANOS = 1_000_000_000L;

  private record Waiter(Context context, Database.JdbcWork<?> work, Promise<Object> promise) {}

  private final Vertx vertx;
  private final DataSource source;
  private final int size;
  private final String name;
  /** A connection not lent, and when it was given back (System.nanoTime()). */
  private record Idle(Connection jdbc, long sinceNanos) {}

  private final ArrayDeque<Idle> idle = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  /** Connections open or being opened (lent or idle). */
  private int open;
  private boolean closed;

  ConnectionPool(Vertx vertx, DataSource source, int size, String name) {
    this.vertx = vertx;
    this.source = source;
    this.size = size;
    this.name = name;
  }

  /**
   * Runs {@code work} on a worker thread with a connection of this pool (autocommit on, as lent);
   * the future completes on the asking context.
   */
  <T> Future<T> run(Database.JdbcWork<T> work) {
    Context context = vertx.getOrCreateContext();
    Promise<Object> promise = Promise.promise();
    Connection lent;
    boolean opening;
    boolean check;
    synchronized (this) {
      if (closed) {
        return Future.failedFuture(new SQLException("The " + name + " connections are closed."));
      }
      Idle free = idle.poll();
      lent = free == null ? null : free.jdbc();
      check = free != null && System.nanoTime() - free.sinceNanos() > IDLE_CHECK_NANOS;
      opening = lent == null && open < size;
      if (opening) {
        open++;
      } else if (lent == null) {
        waiting.add(new Waiter(context, work, promise));
      }
    }
    if (lent != null || opening) {
      start(new Waiter(context, work, promise), lent, check);
    }
    @SuppressWarnings("unchecked")
    Future<T> result = (Future<T>) promise.future();
    return result;
  }

  /**
   * Runs the waiter's work with {@code connection} (null: one to open first) on a worker thread; {@code check}: the
   * connection sat idle a while, so it is asked first whether it still works (a restarted PostgreSQL closed it),
   * and replaced if not, before any work is tried on it.
   */
  private void start(Waiter waiter, Connection connection, boolean check) {
    waiter.context().executeBlocking(() -> {
      Connection jdbc = connection;
      if (jdbc != null && check && !stillValid(jdbc)) {
        log.info("An idle {} connection no longer works (the database restarted?); a new one is opened", name);
        StatementCache.forget(jdbc);
        Jdbc.closeQuietly(jdbc);
        jdbc = null;
      }
      if (jdbc == null) {
        try {
          jdbc = source.getConnection();
        } catch (SQLException | RuntimeException e) {
          giveBack(null);
          throw e;
        }
        StatementCache.register(jdbc);
      }
      boolean keep = true;
      try {
        return waiter.work().run(jdbc);
      } catch (SQLException | RuntimeException e) {
        keep = stillValid(jdbc);
        throw e;
      } finally {
        giveBack(keep ? jdbc : discard(jdbc));
      }
    }, false).onComplete(waiter.promise());
  }

  /** Whether a connection whose work just failed can be lent again. */
  private boolean stillValid(Connection jdbc) {
    try {
      return !jdbc.isClosed() && jdbc.getAutoCommit() && jdbc.isValid(VALID_TIMEOUT_S);
    } catch (SQLException e) {
      return false;
    }
  }

  private Connection discard(Connection jdbc) {
    log.warn("A {} connection failed and is no longer valid; it is closed, a new one opens when needed", name);
    StatementCache.forget(jdbc);
    Jdbc.closeQuietly(jdbc);
    return null;
  }

  /** A connection is free again (null: one fewer is open): it goes to the next waiting work, if any. */
  private void giveBack(Connection jdbc) {
    Waiter next;
    boolean closeIt = false;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        if (jdbc == null) {
          open--;
        } else if (closed) {
          open--;
          closeIt = true;
        } else {
          idle.push(new Idle(jdbc, System.nanoTime()));
        }
      }
    }
    if (closeIt) {
      StatementCache.forget(jdbc);
      Jdbc.closeQuietly(jdbc);
    }
    if (next != null) {
      // a null connection: the slot is the next work's, which opens one
      start(next, jdbc, false);
    }
  }

  /** Closes the idle connections now and every lent one as it comes back; work asked for after this fails. Blocking. */
  void close() {
    List<Connection> toClose;
    List<Waiter> refused;
    synchronized (this) {
      closed = true;
      toClose = idle.stream().map(Idle::jdbc).toList();
      open -= idle.size();
      idle.clear();
      refused = new ArrayList<>(waiting);
      waiting.clear();
    }
    for (Connection jdbc : toClose) {
      StatementCache.forget(jdbc);
      Jdbc.closeQuietly(jdbc);
    }
    for (Waiter waiter : refused) {
      waiter.context().runOnContext(v -> waiter.promise().tryFail(new SQLException("The " + name + " connections are closed.")));
    }
  }

  /** Connections open now, lent or idle (tests). */
  synchronized int open() {
    return open;
  }
}
