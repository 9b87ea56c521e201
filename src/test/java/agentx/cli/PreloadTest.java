package agentx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Classes loaded ahead on a second thread at start-up")
class PreloadTest {

  private static List<String> names() throws IOException {
    try (InputStream in = PreloadTest.class.getClassLoader().getResourceAsStream(Preload.LIST)) {
      assertThat(in).as("the preload list is in the jar's resources").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  /** A list gone stale after a refactoring would quietly lose the head start: regenerate it then. */
  @Test
  @DisplayName("the list covers a server start and its classes still load")
  void theListIsCurrent() throws IOException {
    List<String> names = names();
    assertThat(names).as("a server start's classes (scripts/preload-list.sh writes them)")
        .contains("agentx.AgentX", "io.vertx.core.impl.VertxImpl", "agentx.api.HttpApiVerticle", "org.sqlite.JDBC");
    assertThat(names).as("only classes that can be loaded by name")
        .noneMatch(n -> n.contains("$$Lambda") || n.contains("/") || n.isBlank());
    int loaded = Preload.loadAll();
    assertThat(loaded).as("listed classes that still load; regenerate the list with scripts/preload-list.sh")
        .isGreaterThanOrEqualTo(names.size() * 95 / 100);
  }
}
