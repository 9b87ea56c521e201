package agentx.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The default system prompt of a ComfyUI session (how to work with the tools, and what usually goes
 * wrong), kept as a resource: the engine sends it to Claude and /mcp gives it to MCP clients as
 * instructions, without either depending on the tools service's code.
 */
public final class SystemPrompt {
  private static final String RESOURCE = "/agentx/comfyui-system-prompt.md";

  /** The prompt's text, read once. */
  public static final String COMFYUI = load();

  private SystemPrompt() {}

  private static String load() {
    try (InputStream in = SystemPrompt.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
