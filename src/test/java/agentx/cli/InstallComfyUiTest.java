package agentx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@DisplayName("java -jar agentx.jar install-comfyui")
class InstallComfyUiTest {
  @TempDir Path dir;

  /** Runs the real command line; stdout and stderr captured. */
  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    StringWriter usage = new StringWriter();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      CommandLine cli = new CommandLine(new Main());
      cli.setOut(new PrintWriter(usage, true));
      cli.setErr(new PrintWriter(usage, true));
      int exit = cli.execute(args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8) + usage, err.toString(StandardCharsets.UTF_8) + usage);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
  }

  private Path comfyUi() throws Exception {
    Path comfy = Files.createDirectories(dir.resolve("ComfyUI"));
    Files.writeString(comfy.resolve("main.py"), "# ComfyUI\n");
    Files.createDirectories(comfy.resolve("comfy"));
    Files.createDirectories(comfy.resolve("custom_nodes"));
    return comfy;
  }

  private static long filesUnder(Path root) throws Exception {
    try (Stream<Path> all = Files.walk(root)) {
      return all.count();
    }
  }

  @Test
  @DisplayName("writes __init__.py with only WEB_DIRECTORY and empty mappings, and a loader that imports the panel from --url")
  void installs() throws Exception {
    Path comfy = comfyUi();
    Run run = run("install-comfyui", comfy.toString(), "--url", "http://127.0.0.1:9123/");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("Installed the AgentX extension in " + comfy.resolve("custom_nodes/agentx"));

    String init = Files.readString(comfy.resolve("custom_nodes/agentx/__init__.py"));
    assertThat(init).contains("WEB_DIRECTORY = \"./web\"", "NODE_CLASS_MAPPINGS = {}", "NODE_DISPLAY_NAME_MAPPINGS = {}")
        .doesNotContain("import ");
    String loader = Files.readString(comfy.resolve("custom_nodes/agentx/web/agentx.js"));
    assertThat(loader).contains("import { app } from \"../../scripts/app.js\";")
        .contains("const DEFAULT_URL = /* --url */ \"http://127.0.0.1:9123\";")
        .contains("/comfyui/agentx-panel.js")
        .contains("\"AgentX.RuntimeUrl\"", "\"AgentX.ApiToken\"");
  }

  @Test
  @DisplayName("running it again updates the files in place (a new --url replaces the old one)")
  void updatesInPlace() throws Exception {
    Path comfy = comfyUi();
    assertThat(run("install-comfyui", comfy.toString()).exit()).isZero();
    Path loader = comfy.resolve("custom_nodes/agentx/web/agentx.js");
    assertThat(Files.readString(loader)).contains("/* --url */ \"http://127.0.0.1:8000\"");

    Run again = run("install-comfyui", comfy.toString(), "--url", "http://localhost:8111");
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).contains("Updated the AgentX extension");
    assertThat(Files.readString(loader)).contains("/* --url */ \"http://localhost:8111\"").doesNotContain("8000\"");
    try (Stream<Path> files = Files.list(loader.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("agentx.js");
    }
  }

  @Test
  @DisplayName("a missing folder, a folder that is not ComfyUI, one without custom_nodes or a bad --url: exit code 2, a sentence, nothing written")
  void refusesBadInput() throws Exception {
    Run missing = run("install-comfyui", dir.resolve("nowhere").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("There is no folder").contains("nowhere");
    assertThat(dir.resolve("nowhere")).doesNotExist();

    Path notComfy = Files.createDirectories(dir.resolve("photos"));
    Files.createDirectories(notComfy.resolve("custom_nodes"));
    Run wrong = run("install-comfyui", notComfy.toString());
    assertThat(wrong.exit()).isEqualTo(2);
    assertThat(wrong.err()).contains("does not look like a ComfyUI folder");
    assertThat(filesUnder(notComfy)).isEqualTo(2);

    Path noCustomNodes = Files.createDirectories(dir.resolve("half"));
    Files.writeString(noCustomNodes.resolve("main.py"), "");
    Run half = run("install-comfyui", noCustomNodes.toString());
    assertThat(half.exit()).isEqualTo(2);
    assertThat(half.err()).contains("has no custom_nodes/ folder");
    assertThat(filesUnder(noCustomNodes)).isEqualTo(2);

    Path comfy = comfyUi();
    Run badUrl = run("install-comfyui", comfy.toString(), "--url", "ftp://example/x\"");
    assertThat(badUrl.exit()).isEqualTo(2);
    assertThat(badUrl.err()).contains("--url must be the runtime's address");
    assertThat(comfy.resolve("custom_nodes/agentx")).doesNotExist();
  }

  @Test
  @DisplayName("a custom_nodes/agentx folder that AgentX did not write is left alone")
  void keepsForeignFolder() throws Exception {
    Path comfy = comfyUi();
    Path foreign = Files.createDirectories(comfy.resolve("custom_nodes/agentx"));
    Files.writeString(foreign.resolve("__init__.py"), "NODE_CLASS_MAPPINGS = {'Mine': object}\n");
    Run run = run("install-comfyui", comfy.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("was not written by AgentX");
    assertThat(Files.readString(foreign.resolve("__init__.py"))).contains("Mine");
    assertThat(foreign.resolve("web")).doesNotExist();
  }

  @Test
  @DisplayName("--help lists install-comfyui, and install-comfyui --help explains the folder and --url")
  void help() {
    Run top = run("--help");
    assertThat(top.exit()).isZero();
    assertThat(top.out()).contains("install-comfyui").contains("--port");
    Run sub = run("install-comfyui", "--help");
    assertThat(sub.exit()).isZero();
    assertThat(sub.out()).contains("<ComfyUI dir>").contains("--url").contains("custom_nodes/agentx");
  }
}
