package agentx.comfyui;

import static agentx.testing.Prerequisites.nodeAvailable;
import static agentx.testing.Prerequisites.require;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The real ComfyUI frontend cannot be downloaded here, so the extension is checked against what it
 * declares: src/test/node/typecheck.mjs runs {@code tsc --checkJs --noEmit} over the loader that
 * install-comfyui writes, the panel the runtime serves and agentx-common.js (which the panel shares with the chat page), with {@code @comfyorg/comfyui-frontend-types}
 * as ComfyUI's {@code app}. A misspelt or removed frontend API fails here.
 */
@Tag("node")
@DisplayName("the ComfyUI extension type-checks against @comfyorg/comfyui-frontend-types")
class ComfyExtensionTypecheckTest {
  private static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();

  @Test
  @DisplayName("tsc --checkJs finds no error in agentx.js (loader), agentx-panel.js and agentx-common.js")
  void typechecks() throws Exception {
    require(Files.isDirectory(NODE_DIR.resolve("node_modules/typescript"))
        && Files.isDirectory(NODE_DIR.resolve("node_modules/@comfyorg/comfyui-frontend-types")),
        "no typescript / @comfyorg/comfyui-frontend-types in src/test/node/node_modules (run `npm ci` there)");
    require(nodeAvailable(), "node is not installed");
    Process node = new ProcessBuilder("node", "typecheck.mjs").directory(NODE_DIR.toFile()).redirectErrorStream(true).start();
    node.getOutputStream().close();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.waitFor(120, TimeUnit.SECONDS)).as("tsc finished").isTrue();
    System.out.println(output);
    assertThat(node.exitValue()).as(output).isZero();
    assertThat(output).contains("typecheck: 0 errors").contains("agentx.js").contains("agentx-panel.js").contains("agentx-common.js");
  }

  @Test
  @DisplayName("the pure parts of the panel and of agentx-common.js: workflow diff, placement of new nodes, applying events, state line, media files of tool results, approval answers and outcomes, attached images (node --test)")
  void panelUnits() throws Exception {
    require(nodeAvailable(), "node is not installed");
    Process node = new ProcessBuilder("node", "--test", "--test-reporter=spec", "panel-unit.test.mjs")
        .directory(NODE_DIR.toFile()).redirectErrorStream(true).start();
    node.getOutputStream().close();
    String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
    System.out.println(output);
    assertThat(node.exitValue()).as(output).isZero();
    assertThat(output).contains("pass 19").contains("fail 0");
  }
}
