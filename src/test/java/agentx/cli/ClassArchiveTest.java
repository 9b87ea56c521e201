package agentx.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What {@code class-archive} refuses: to run outside a jar (here: the classes folder), to write where it cannot. ClassArchiveIT runs it from the jar. */
class ClassArchiveTest {

  @Test
  @DisplayName("class-archive outside a jar refuses with a sentence and exit code 1, writing nothing")
  void refusesOutsideAJar() {
    assertThatThrownBy(ClassArchive::ownJar)
        .isInstanceOf(ClassArchive.ArchiveException.class)
        .hasMessageContaining("run it from the jar");
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = new CommandLine(new Main()).execute("class-archive");
    } finally {
      System.setErr(err);
    }
    assertThat(exit).isEqualTo(1);
    assertThat(captured.toString(StandardCharsets.UTF_8)).startsWith("agentx class-archive: run it from the jar");
  }

  @Test
  @DisplayName("a place it cannot write is refused before any server is started")
  void refusesAnUnwritablePlace(@TempDir Path dir) throws Exception {
    Path file = Files.createFile(dir.resolve("a-file"));
    assertThatThrownBy(() -> ClassArchive.write(Path.of("no.jar"), file.resolve("agentx.jsa")))
        .isInstanceOf(ClassArchive.ArchiveException.class)
        .hasMessageStartingWith("cannot write " + file.resolve("agentx.jsa"))
        .hasMessageContaining("--file");
    assertThat(Files.list(dir)).containsExactly(file);
  }
}
