package agentx.api;

import agentx.api.mcp.ToolGateway;
import agentx.protocol.Addresses;
import agentx.protocol.ToolCall;
import agentx.protocol.ToolProgress;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import agentx.protocol.ToolsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Consumer;

/** The /mcp endpoint's view of the tool registry: the tools service, through its client. */
final class BusToolGateway implements ToolGateway {
  private final Vertx vertx;
  private final ToolsClient tools;
  private final long callTimeoutMs;

  BusToolGateway(Vertx vertx, ToolsClient tools, long toolTimeoutMs) {
    this.vertx = vertx;
    this.tools = tools;
    this.callTimeoutMs = toolTimeoutMs + 5_000;
  }

  @Override
  public Future<List<ToolSpec>> list() {
    return tools.list(callTimeoutMs).map(listing -> listing.tools());
  }

  @Override
  public Future<ToolResult> call(String name, JsonObject arguments, String callId, Consumer<JsonObject> progress) {
    String progressAddress = Addresses.callProgress(callId);
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(progressAddress,
        m -> progress.accept(ToolProgress.fromJson(m.body()).progress()));
    return consumer.completion()
        .compose(v -> tools.call(new ToolCall(name, arguments, null, null, callId, progressAddress), callTimeoutMs))
        .recover(failure -> Future.succeededFuture(ToolResult.error("The tool " + name + " could not run: " + failure.getMessage())))
        .onComplete(done -> consumer.unregister());
  }

  @Override
  public void cancel(String callId) {
    tools.cancel(callId);
  }
}
