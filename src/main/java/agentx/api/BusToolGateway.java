package agentx.api;

import agentx.api.mcp.ToolGateway;
import agentx.protocol.Addresses;
import agentx.protocol.CreateSession;
import agentx.protocol.Session;
import agentx.protocol.StoreClient;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The /mcp endpoint's view of the tool registry: the tools service, through its client. */
final class BusToolGateway implements ToolGateway {
  static final String WORKSPACE_USER = "mcp";

  private final Vertx vertx;
  private final ToolsClient tools;
  private final StoreClient store;
  private final long callTimeoutMs;
  private final Map<String, Future<String>> workspaces = new ConcurrentHashMap<>();

  BusToolGateway(Vertx vertx, ToolsClient tools, StoreClient store, long toolTimeoutMs) {
    this.vertx = vertx;
    this.tools = tools;
    this.store = store;
    this.callTimeoutMs = toolTimeoutMs + 5_000;
  }

  @Override
  public Future<List<ToolSpec>> list() {
    return tools.list(callTimeoutMs).map(listing -> listing.tools());
  }

  @Override
  public Future<ToolResult> call(String name, JsonObject arguments, String callId, Consumer<JsonObject> progress) {
    return call(name, arguments, callId, null, progress);
  }

  /**
   * Each MCP client session works in a workspace of its own: a persisted session record (user
   * {@code mcp}, titled with the Mcp-Session-Id) created on its first tool call, so every tool,
   * the workflow edits and run_workflow included, works without a chat session.
   */
  @Override
  public Future<ToolResult> call(String name, JsonObject arguments, String callId, String workspace, Consumer<JsonObject> progress) {
    if (workspace == null) {
      return callIn(null, name, arguments, callId, progress);
    }
    return workspaces.computeIfAbsent(workspace, key -> store.createSession(new CreateSession(WORKSPACE_USER,
                "MCP workspace " + key, new JsonObject())).map(Session::sessionId)
            .onFailure(e -> workspaces.remove(key)))
        .compose(sessionId -> callIn(sessionId, name, arguments, callId, progress))
        .recover(failure -> Future.succeededFuture(ToolResult.error("The tool " + name + " could not run: " + failure.getMessage())));
  }

  private Future<ToolResult> callIn(String sessionId, String name, JsonObject arguments, String callId, Consumer<JsonObject> progress) {
    String progressAddress = Addresses.callProgress(callId);
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(progressAddress,
        m -> progress.accept(ToolProgress.fromJson(m.body()).progress()));
    return consumer.completion()
        .compose(v -> tools.call(new ToolCall(name, arguments, sessionId, null, callId, progressAddress), callTimeoutMs))
        .recover(failure -> Future.succeededFuture(ToolResult.error("The tool " + name + " could not run: " + failure.getMessage())))
        .onComplete(done -> consumer.unregister());
  }

  @Override
  public void cancel(String callId) {
    tools.cancel(callId);
  }
}
