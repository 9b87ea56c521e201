package agentx.api.mcp;

import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the {@code /mcp} endpoint needs from the tool registry. The runtime's implementation talks to
 * the tools verticle over the event bus; tests use an in-memory one.
 */
public interface ToolGateway {

  /** Every tool, in a stable order (pagination cursors are offsets into this list). */
  Future<List<ToolSpec>> list();

  /**
   * Runs one tool. A tool that fails answers a {@link ToolResult} with {@code isError}; a failed
   * future (unknown tool, registry unreachable) is turned into such a result by the caller.
   *
   * @param callId unique id of this call, the key for {@link #cancel}
   * @param progress receives progress reports ({@code {progress, total?, message?}} or ComfyUI's
   *     {@code {value, max, node?}}) from any thread; may be ignored by the receiver
   */
  Future<ToolResult> call(String name, JsonObject arguments, String callId, Consumer<JsonObject> progress);

  /**
   * Runs one tool for an MCP client session: {@code workspace} is its {@code Mcp-Session-Id}, which a
   * gateway may tie to a persisted workspace (a session record with its own versioned workflow), so
   * the workflow tools work for MCP clients that are not in a chat session.
   */
  default Future<ToolResult> call(String name, JsonObject arguments, String callId, String workspace, Consumer<JsonObject> progress) {
    return call(name, arguments, callId, progress);
  }

  /** Asks the running call to stop; unknown or finished ids are ignored. */
  void cancel(String callId);
}
