package agentx.tools.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.protocol.ToolSpec;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Registry names of external tools")
class ToolNamesTest {

  @Test
  @DisplayName("plain names are mcp__<server>__<tool>")
  void plain() {
    assertThat(ToolNames.external("files", "read_file", Set.of())).isEqualTo("mcp__files__read_file");
  }

  @Test
  @DisplayName("characters Claude rejects become underscores")
  void sanitized() {
    String name = ToolNames.external("my server", "get.weather/now", Set.of());

    assertThat(name).isEqualTo("mcp__my_server__get_weather_now");
    assertThat(ToolSpec.NAME.matcher(name).matches()).isTrue();
  }

  @Test
  @DisplayName("long names are cut to 64 characters with a stable hash that keeps them apart")
  void truncated() {
    String tool = "a".repeat(80);
    String first = ToolNames.external("server", tool + "1", Set.of());
    String second = ToolNames.external("server", tool + "2", Set.of());

    assertThat(first).hasSize(64).startsWith("mcp__server__aaaa").matches(ToolSpec.NAME);
    assertThat(second).hasSize(64).isNotEqualTo(first);
    assertThat(ToolNames.external("server", tool + "1", Set.of())).isEqualTo(first);
  }

  @Test
  @DisplayName("two tools that sanitize to one name get different names")
  void collisions() {
    Set<String> taken = new HashSet<>();
    String dotted = ToolNames.external("s", "a.b", taken);
    taken.add(dotted);
    String spaced = ToolNames.external("s", "a b", taken);

    assertThat(dotted).isEqualTo("mcp__s__a_b");
    assertThat(spaced).isNotEqualTo(dotted).startsWith("mcp__s__a_b_").matches(ToolSpec.NAME);
  }
}
