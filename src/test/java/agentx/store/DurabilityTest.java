package agentx.store;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.ServerProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class DurabilityTest {
  @TempDir Path dir;

  @Test
  @DisplayName("sessions acknowledged before kill -9 are listed after a restart")
  void survivesKill9(Vertx vertx) throws Exception {
    Map<String, String> env = Map.of("AGENTX_DATABASE_URL", "sqlite:///data/agentx.db");
    WebClient client = WebClient.create(vertx);
    List<String> created = new ArrayList<>();
    try (ServerProcess first = ServerProcess.start(dir, env)) {
      List<Future<String>> posts = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        posts.add(client.post(first.port(), "127.0.0.1", "/api/agentx/sessions")
            .sendJsonObject(new JsonObject().put("title", "before crash " + i))
            .map(r -> {
              assertThat(r.statusCode()).isEqualTo(201);
              return r.bodyAsJsonObject().getString("session_id");
            }));
      }
      Future.all(posts).await();
      posts.forEach(p -> created.add(p.result()));
      first.kill9();
    }
    assertThat(dir.resolve("data/agentx.db")).exists();
    try (ServerProcess second = ServerProcess.start(dir, env)) {
      JsonObject page = client.get(second.port(), "127.0.0.1", "/api/agentx/sessions?limit=100").send().await().bodyAsJsonObject();
      assertThat(page.getLong("total")).isEqualTo(50);
      List<String> listed = page.getJsonArray("sessions").stream().map(s -> ((JsonObject) s).getString("session_id")).toList();
      assertThat(listed).containsExactlyInAnyOrderElementsOf(created);
    }
  }
}
