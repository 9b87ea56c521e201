package agentx.tools;

import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** One tool of the registry. Implementations never throw: failures are {@link ToolResult#error}. */
public interface Tool {
  ToolSpec spec();

  Future<ToolResult> call(JsonObject arguments, ToolContext context);

  /**
   * Whether a call that may already have run ({@link ToolContext#resumed}: its turn's engine stopped
   * while it ran) may simply run again: a tool its annotations call read-only or idempotent, or one
   * that looks for its earlier run itself (run_workflow). Any other is not run a second time; the call
   * answers that it was interrupted, so Claude checks what it did before calling it again.
   */
  default boolean resumesSafely() {
    JsonObject hints = spec().annotations();
    return Boolean.TRUE.equals(hints.getValue("readOnlyHint")) || Boolean.TRUE.equals(hints.getValue("idempotentHint"));
  }
}
