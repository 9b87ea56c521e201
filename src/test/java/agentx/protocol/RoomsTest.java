package agentx.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The four verticle packages are rooms with one door, the bus: each imports nothing of the others,
 * only the floor ({@code agentx.protocol}, {@code agentx.events}, {@code agentx.config}). A plain
 * scan of the sources, so a forbidden import fails the build with the file and line.
 */
@DisplayName("Rooms: the verticle packages")
class RoomsTest {
  private static final Path SOURCES = Path.of("src/main/java/agentx");
  private static final List<String> ROOMS = List.of("api", "engine", "store", "tools");
  private static final Pattern IMPORT = Pattern.compile("^import\\s+(?:static\\s+)?agentx\\.(\\w+)[.;]");

  @Test
  @DisplayName("import nothing from each other")
  void noArrowBetweenRooms() throws IOException {
    List<String> arrows = new ArrayList<>();
    for (String room : ROOMS) {
      for (Path file : javaFiles(SOURCES.resolve(room))) {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
          Matcher m = IMPORT.matcher(lines.get(i));
          if (m.find() && ROOMS.contains(m.group(1)) && !m.group(1).equals(room)) {
            arrows.add(SOURCES.relativize(file) + ":" + (i + 1) + " " + room + " -> " + m.group(1));
          }
        }
        // fully qualified use without an import is the same arrow
        String text = Files.readString(file);
        for (String other : ROOMS) {
          if (!other.equals(room) && text.matches("(?s).*[^\\w.]agentx\\." + other + "\\.\\w.*")) {
            arrows.add(SOURCES.relativize(file) + " " + room + " -> " + other + " (qualified name)");
          }
        }
      }
    }
    assertThat(arrows).as("imports across rooms").isEmpty();
  }

  @Test
  @DisplayName("send bus requests only through the protocol's service clients")
  void onlyClientsRequest() throws IOException {
    List<String> offenders = new ArrayList<>();
    for (String room : ROOMS) {
      for (Path file : javaFiles(SOURCES.resolve(room))) {
        if (Files.readString(file).contains("eventBus().request(")) {
          offenders.add(SOURCES.relativize(file).toString());
        }
      }
    }
    assertThat(offenders).isEmpty();
  }

  @Test
  @DisplayName("the scan sees the sources (it would pass vacuously otherwise)")
  void scanSeesSources() throws IOException {
    assertThat(javaFiles(SOURCES.resolve("engine"))).anyMatch(p -> p.endsWith("TurnRunner.java"));
    assertThat(IMPORT.matcher("import agentx.tools.Tool;").find()).isTrue();
  }

  private static List<Path> javaFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".java")).toList();
    }
  }
}
