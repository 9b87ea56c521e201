package agentx;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.FakeAnthropic;
import agentx.testing.FakeAnthropic.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example, line for line, against a fake Claude. */
class EmbeddingExampleTest {
  @TempDir Path dir;

  @Test
  @DisplayName("the README's embedding example creates a session, follows its events and gets Claude's reply")
  void readmeExample() {
    Vertx edge = Vertx.vertx();
    FakeAnthropic claude = FakeAnthropic.start(edge).await();
    try {
      claude.enqueue(Reply.text("Hello from the JVM."));
      Map<String, String> env = Map.of(
          "ANTHROPIC_API_KEY", "sk-ant-embedding",
          "ANTHROPIC_BASE_URL", claude.baseUrl(),
          "AGENTX_DATABASE_URL", "jdbc:sqlite:" + dir.resolve("embedded.db"),
          "AGENTX_PORT", "0");
      List<JsonObject> events = new CopyOnWriteArrayList<>();

      // --- as in README.md, with a test environment instead of System.getenv() ---
      AgentXConfig config = AgentXConfig.load(env, dir, null);
      AgentX agentx = AgentX.start(config).await();
      JsonObject session = agentx.createSession("me", "from Java").await();
      agentx.events(session.getString("session_id"), events::add);
      JsonObject reply = agentx.sendMessage(session.getString("session_id"), "hello").await();
      agentx.close().await();
      // ---

      assertThat(reply.getString("content")).isEqualTo("Hello from the JVM.");
      assertThat(events).extracting(e -> e.getString("type")).contains("stream", "state", "message", "turn");
      assertThat(events.get(events.size() - 1).getJsonObject("data").getString("status")).isEqualTo("completed");
    } finally {
      claude.close();
      edge.close().await();
    }
  }
}
