package agentx.cli;

import agentx.cli.ComfyUiExtensionInstaller.InstallException;
import agentx.cli.ComfyUiExtensionInstaller.Installed;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code java -jar agentx.jar install-comfyui <ComfyUI dir> [--url]}: writes the ComfyUI extension. */
@Command(name = "install-comfyui", mixinStandardHelpOptions = true,
    description = {
        "Installs (or updates) the AgentX panel in ComfyUI: writes <ComfyUI dir>/custom_nodes/agentx/ with an "
            + "__init__.py and web/agentx.js, a small loader that imports the panel from the running AgentX runtime "
            + "(so upgrading agentx.jar needs no reinstall). Restart ComfyUI afterwards; the runtime URL and API token "
            + "can then be changed in ComfyUI's Settings → AgentX.",
        "",
        "Example:",
        "  java -jar agentx.jar install-comfyui ~/ComfyUI --url http://127.0.0.1:8000",
        ""})
final class InstallComfyUi implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "<ComfyUI dir>", description = "The ComfyUI folder (the one with main.py and custom_nodes/).")
  Path comfyUiDir;

  @Option(names = "--url", paramLabel = "URL", defaultValue = ComfyUiExtensionInstaller.DEFAULT_URL,
      description = "Where the AgentX runtime listens, as the browser reaches it (default ${DEFAULT-VALUE}).")
  String url;

  @Override
  public Integer call() {
    try {
      Installed done = ComfyUiExtensionInstaller.install(comfyUiDir, url);
      System.out.println((done.updated() ? "Updated " : "Installed ") + "the AgentX extension in " + done.folder());
      System.out.println("  " + done.init());
      System.out.println("  " + done.loader() + "  (loads " + done.url() + "/comfyui/agentx-panel.js)");
      System.out.println("Restart ComfyUI, keep `java -jar agentx.jar` running, and open the AgentX tab in ComfyUI's sidebar.");
      if (!done.url().contains("127.0.0.1") && !done.url().contains("localhost")) {
        System.out.println("The runtime must allow ComfyUI's page: set COMFYUI_URL (or AGENTX_CORS_ORIGINS) to ComfyUI's address.");
      }
      return 0;
    } catch (InstallException e) {
      System.err.println("agentx install-comfyui: " + e.getMessage());
      return 2;
    }
  }
}
