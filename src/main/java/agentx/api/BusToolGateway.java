package agentx.api;

import agentx.protocol.Addresses;
import agentx.protocol.Bus;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import agentx.api.mcp.ToolGateway;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The /mcp endpoint's view of the tool registry: the tools verticle, over the bus. */
final class BusToolGateway implements ToolGateway {
  private final Vertx vertx;
  private final long callTimeoutMs;

  BusToolGateway(Vertx vertx, long toolTimeoutMs) {
    this.vertx = vertx;
    this.callTimeoutMs = toolTimeoutMs + 5_000;
  }

  @Override
  public Future<List<ToolSpec>> list() {
    return Bus.request(vertx, Addresses.TOOLS_LIST, new JsonObject()).map(r -> {
      List<ToolSpec> specs = new ArrayList<>();
      JsonArray tools = r.getJsonArray("tools", new JsonArray());
      for (int i = 0; i < tools.size(); i++) {
        specs.add(ToolSpec.fromJson(tools.getJsonObject(i)));
      }
      return specs;
    });
  }

  @Override
  public Future<ToolResult> call(String name, JsonObject arguments, String callId, Consumer<JsonObject> progress) {
    String progressAddress = Addresses.callProgress(callId);
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(progressAddress, m -> progress.accept(m.body().getJsonObject("progress")));
    JsonObject request = new JsonObject().put("name", name).put("arguments", arguments).put("call_id", callId)
        .put("progress_address", progressAddress);
    return consumer.completion()
        .compose(v -> Bus.request(vertx, Addresses.TOOLS_CALL, request, callTimeoutMs))
        .map(ToolResult::fromJson)
        .recover(failure -> Future.succeededFuture(ToolResult.error("The tool " + name + " could not run: " + failure.getMessage())))
        .onComplete(done -> consumer.unregister());
  }

  @Override
  public void cancel(String callId) {
    vertx.eventBus().publish(Addresses.TOOLS_CANCEL, new JsonObject().put("call_id", callId));
  }
}
