package agentx.testing;

import agentx.protocol.Addresses;
import agentx.protocol.ToolListing;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** A tool registry registered by a test on the real tools addresses, standing in for McpToolsVerticle. */
public final class FakeTools {
  private final Map<String, Function<JsonObject, Future<ToolResult>>> tools = new ConcurrentHashMap<>();
  public final List<JsonObject> calls = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<?>> consumers = new CopyOnWriteArrayList<>();

  public static FakeTools register(Vertx vertx) {
    FakeTools fake = new FakeTools();
    fake.consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.TOOLS_LIST, m -> {
      List<ToolSpec> specs = fake.tools.keySet().stream().sorted()
          .map(name -> new ToolSpec(name, "test tool " + name, new JsonObject().put("type", "object"), null, "builtin")).toList();
      m.reply(ToolListing.of(specs).toJson(m.body() == null ? null : m.body().getString(ToolListing.KNOWN_VERSION)));
    }));
    fake.consumers.add(vertx.eventBus().<JsonObject>consumer(Addresses.TOOLS_CALL, m -> {
      fake.calls.add(m.body());
      var tool = fake.tools.get(m.body().getString("name"));
      if (tool == null) {
        m.reply(ToolResult.error("unknown tool").toJson());
        return;
      }
      tool.apply(m.body()).onSuccess(r -> m.reply(r.toJson())).onFailure(e -> m.reply(ToolResult.error(e.getMessage()).toJson()));
    }));
    Future.all(fake.consumers.stream().map(MessageConsumer::completion).toList()).await();
    return fake;
  }

  public FakeTools add(String name, Function<JsonObject, Future<ToolResult>> handler) {
    tools.put(name, handler);
    return this;
  }
}
