package agentx.tools;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** What a running tool call may use besides its arguments. */
public interface ToolContext {
  /** The chat session the call belongs to; null for MCP clients outside a session. */
  String sessionId();

  /** Unique id of this call (Claude's tool_use id, or one made up for MCP calls). */
  String callId();

  /** Reports progress, e.g. ComfyUI's {@code {value, max, node}}; delivered as a state event or MCP notification. */
  void progress(JsonObject progress);

  /** Completes when the call is cancelled (turn cancelled, MCP notifications/cancelled). */
  Future<Void> cancelled();

  boolean isCancelled();

  /**
   * How long the call may still take before the runtime abandons it ({@code AGENTX_TOOL_TIMEOUT}): a tool
   * that waits (for a ComfyUI run) answers before then, with what it has, rather than being cut off.
   */
  default long timeLeftMs() {
    return Long.MAX_VALUE;
  }

  /** The turn the call belongs to, or null for a call made outside a turn (an MCP client's). */
  default String turnId() {
    return null;
  }

  /**
   * The call had started before: its turn was interrupted (the engine died while it ran) and is carried
   * on. Only a tool that {@link Tool#resumesSafely resumes safely} gets such a call; one that starts
   * something outside (a ComfyUI run) looks for it first instead of starting it twice.
   */
  default boolean resumed() {
    return false;
  }

  /** The session's workflow, versioned. */
  WorkflowStore workflows();
}
