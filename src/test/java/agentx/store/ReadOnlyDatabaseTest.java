package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.AgentX;
import agentx.config.AgentXConfig;
import agentx.testing.OnBothBackends;
import agentx.testing.Poll;
import agentx.testing.TestDatabases;
import agentx.testing.TestDatabases.Backend;
import agentx.testing.TestDatabases.TestDatabase;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * A database that reads but refuses writes (a read-only or immutable SQLite file, a read-only PostgreSQL
 * database): the server does not start on it, and a running store that loses the right to write is reported
 * down by {@code /health} at once, not only by the next write that fails.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("A database that refuses writes")
class ReadOnlyDatabaseTest {
  @TempDir Path dir;
  private final List<Path> immutable = new ArrayList<>();

  @AfterEach
  void writableAgain() throws Exception {
    for (Path file : immutable) {
      chattr("-i", file);
    }
  }

  private static AgentXConfig config(Path dir, String url) {
    return TestRuntime.config(dir, Map.of(AgentXConfig.DATABASE_URL, url));
  }

  @ParameterizedTest
  @OnBothBackends
  @DisplayName("is refused at start with a sentence saying what to do, not a server that fails its first event")
  void startRefused(Backend backend, Vertx vertx) throws Exception {
    TestDatabase db = TestDatabases.create(backend, dir);
    AgentX.deploy(vertx, config(dir, db.url())).await().close().await(); // migrated, then stopped
    if (backend == Backend.SQLITE) {
      Path file = Path.of(db.jdbcUrl().substring("jdbc:sqlite:".length()));
      makeImmutable(file);
      Path log = file.resolveSibling(file.getFileName() + "-wal");
      if (Files.exists(log)) {
        makeImmutable(log);
      }
    } else {
      try (Connection c = TestDatabases.postgres().getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
        st.execute("ALTER DATABASE " + db.jdbcUrl().substring(db.jdbcUrl().lastIndexOf('/') + 1)
            + " SET default_transaction_read_only = on");
      }
    }
    Throwable failure = AgentX.deploy(vertx, config(dir, db.url())).map(a -> (Throwable) null).otherwise(e -> e).await();
    assertThat(failure).as("the start fails").isNotNull();
    assertThat(failure.getMessage()).contains("refuses writes").contains("writable")
        .contains(backend == Backend.SQLITE ? "SQLITE_READONLY" : "read-only transaction");
  }

  @Test
  @DisplayName("running: /health and /health/ready say the store is down within a second of the file becoming unwritable (a successful probe answers the checks of the next second), and up as soon as it is writable again")
  void healthFollowsTheRightToWrite(Vertx vertx) throws Exception {
    TestRuntime rt = TestRuntime.start(vertx, dir).await();
    assertThat(rt.createSession(new JsonObject()).await().getString("session_id")).isNotNull();
    assertThat(rt.http.get("/health").send().await().statusCode()).isEqualTo(200);

    makeImmutable(rt.database);
    makeImmutable(rt.database.resolveSibling(rt.database.getFileName() + "-wal"));
    Poll.until(Duration.ofSeconds(5), "/health saying the store is down",
        () -> rt.http.get("/health").send().await().statusCode() == 503);
    HttpResponse<Buffer> health = rt.http.get("/health").send().await();
    assertThat(health.statusCode()).as(health.bodyAsString()).isEqualTo(503);
    assertThat(health.bodyAsJsonObject().getString("database")).isEqualTo("down");
    HttpResponse<Buffer> ready = rt.http.get("/health/ready").send().await();
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.bodyAsString()).contains("The database refuses writes");
    HttpResponse<Buffer> create = rt.postJson("/api/agentx/sessions", new JsonObject()).await();
    assertThat(create.statusCode()).isEqualTo(503);
    assertThat(create.bodyAsJsonObject().getString("code")).isEqualTo("STORE_UNAVAILABLE");

    for (Path file : immutable) {
      chattr("-i", file);
    }
    immutable.clear();
    assertThat(rt.http.get("/health").send().await().statusCode()).isEqualTo(200);
    assertThat(rt.http.get("/health/ready").send().await().statusCode()).isEqualTo(200);
    assertThat(rt.postJson("/api/agentx/sessions", new JsonObject()).await().statusCode()).isEqualTo(201);
  }

  /**
   * Makes a file unwritable even for root (whom permissions do not stop): the immutable attribute. Skips the test
   * where it cannot be set (not root, a file system without it).
   */
  private void makeImmutable(Path file) throws Exception {
    Assumptions.assumeTrue(chattr("+i", file), "chattr +i is not possible here (needs root and an ext4-like file system)");
    immutable.add(file);
  }

  private static boolean chattr(String flag, Path file) throws Exception {
    try {
      Process p = new ProcessBuilder("chattr", flag, file.toString()).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor() == 0;
    } catch (java.io.IOException noChattr) {
      return false;
    }
  }
}
