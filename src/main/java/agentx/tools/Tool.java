package agentx.tools;

import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** One tool of the registry. Implementations never throw: failures are {@link ToolResult#error}. */
public interface Tool {
  ToolSpec spec();

  Future<ToolResult> call(JsonObject arguments, ToolContext context);
}
