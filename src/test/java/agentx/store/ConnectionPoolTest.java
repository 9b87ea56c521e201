package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import agentx.testing.TestDatabases;
import agentx.testing.TestDatabases.Backend;
import agentx.testing.TestDatabases.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;

@ExtendWith(VertxExtension.class)
@DisplayName("The store's JDBC connections, lent one piece of work at a time")
class ConnectionPoolTest {
  private static final Jdbc.RowReader<Long> NUMBER = row -> row.getLong(1);

  @TempDir
  Path dir;

  @Test
  @DisplayName("work beyond the pool's size waits for a connection (no more are opened), and every piece runs")
  void workWaitsItsTurn(Vertx vertx) {
    ConnectionPool pool = new ConnectionPool(vertx, sqlite("wait.db"), 2, "test");
    AtomicInteger lent = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Long>> runs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      long n = i;
      runs.add(pool.run(jdbc -> {
        most.accumulateAndGet(lent.incrementAndGet(), Math::max);
        try {
          go.await(10, TimeUnit.SECONDS);
          return Jdbc.first(jdbc, "SELECT ?", NUMBER, n);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        } finally {
          lent.decrementAndGet();
        }
      }));
    }
    // both connections lent, the other four waiting; a while for a third to be opened, wrongly
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (lent.get() < 2 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    sleep(200);
    assertThat(lent.get()).as("lent while the others wait").isEqualTo(2);
    go.countDown();
    Future.all(runs).await();
    assertThat(runs.stream().map(Future::result).toList()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    assertThat(most.get()).as("connections lent at once").isEqualTo(2);
    assertThat(pool.open()).isEqualTo(2);
    pool.close();
  }

  @Test
  @DisplayName("a connection keeps its statements compiled, and stays after a statement of its own failed")
  void keepsStatementsAndValidConnections(Vertx vertx) {
    ConnectionPool pool = new ConnectionPool(vertx, sqlite("keep.db"), 1, "test");
    Connection first = pool.run(jdbc -> {
      assertThat(Jdbc.first(jdbc, "SELECT 1 + ?", NUMBER, 1)).isEqualTo(2L);
      return jdbc;
    }).await();
    assertThatThrownBy(() -> pool.run(jdbc -> Jdbc.first(jdbc, "SELECT * FROM no_such_table", NUMBER)).await())
        .isInstanceOf(SQLException.class).hasMessageContaining("no_such_table");
    Connection again = pool.run(jdbc -> {
      assertThat(Jdbc.first(jdbc, "SELECT 1 + ?", NUMBER, 2)).isEqualTo(3L);
      return jdbc;
    }).await();
    assertThat(again).as("the same connection after a failed statement").isSameAs(first);
    assertThat(StatementCache.kept(first)).as("statements kept on it").isEqualTo(1);
    pool.close();
    assertThat(StatementCache.kept(first)).as("forgotten once closed").isZero();
    assertThatThrownBy(() -> pool.run(jdbc -> 1).await()).isInstanceOf(SQLException.class).hasMessageContaining("closed");
  }

  @Test
  @DisplayName("PostgreSQL: a connection the server cut (pg_terminate_backend) fails its work once, then a new one takes its place")
  void cutConnectionIsReplaced(Vertx vertx) throws SQLException {
    TestDatabase db = TestDatabases.create(Backend.POSTGRESQL, dir);
    ConnectionPool pool = postgresPool(vertx, db, 1);
    long before = pool.run(jdbc -> Jdbc.first(jdbc, "SELECT pg_backend_pid()", NUMBER)).await();
    try (Connection admin = db.connect(); Statement st = admin.createStatement()) {
      st.execute("SELECT pg_terminate_backend(" + before + ")");
    }
    assertThatThrownBy(() -> pool.run(jdbc -> Jdbc.first(jdbc, "SELECT 1", NUMBER)).await()).isInstanceOf(SQLException.class);
    long after = pool.run(jdbc -> Jdbc.first(jdbc, "SELECT pg_backend_pid()", NUMBER)).await();
    assertThat(after).as("a new server process").isNotEqualTo(before);
    assertThat(pool.open()).isEqualTo(1);
    pool.close();
  }

  @Test
  @DisplayName("PostgreSQL: an idle connection the server cut (a restart) is replaced before it is lent: no work fails on it")
  void idleCutConnectionIsReplacedBeforeUse(Vertx vertx) throws SQLException {
    TestDatabase db = TestDatabases.create(Backend.POSTGRESQL, dir);
    ConnectionPool pool = postgresPool(vertx, db, 2);
    List<Future<Long>> pids = List.of(pool.run(jdbc -> Jdbc.first(jdbc, "SELECT pg_backend_pid() FROM (SELECT pg_sleep(0.2)) s", NUMBER)),
        pool.run(jdbc -> Jdbc.first(jdbc, "SELECT pg_backend_pid() FROM (SELECT pg_sleep(0.2)) s", NUMBER)));
    Future.all(pids).await();
    try (Connection admin = db.connect(); Statement st = admin.createStatement()) {
      for (Future<Long> pid : pids) {
        st.execute("SELECT pg_terminate_backend(" + pid.result() + ")");
      }
    }
    sleep(1_200); // idle past the pool's check
    List<Future<Long>> after = List.of(pool.run(jdbc -> Jdbc.first(jdbc, "SELECT pg_backend_pid()", NUMBER)),
        pool.run(jdbc -> Jdbc.first(jdbc, "SELECT pg_backend_pid()", NUMBER)));
    Future.join(after).await();
    assertThat(after).allSatisfy(f -> assertThat(f.succeeded()).as(String.valueOf(f.cause())).isTrue());
    assertThat(after.stream().map(Future::result).toList()).doesNotContainAnyElementsOf(pids.stream().map(Future::result).toList());
    assertThat(pool.open()).isEqualTo(2);
    pool.close();
  }

  private static ConnectionPool postgresPool(Vertx vertx, TestDatabase db, int size) {
    PGSimpleDataSource source = new PGSimpleDataSource();
    source.setUrl(db.jdbcUrl());
    source.setUser(db.user());
    source.setPassword(db.password());
    return new ConnectionPool(vertx, source, size, "test");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A file already in WAL mode, as the store's are once migrated before any pool opens them: two connections
   * opening a new file at once both switch it to WAL, and one of them can get SQLITE_BUSY doing so (a flaky test).
   */
  private SQLiteDataSource sqlite(String name) {
    SQLiteDataSource source = WalCheckpointerTest.walDataSource(dir.resolve(name));
    try (java.sql.Connection first = source.getConnection()) {
      return source;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
