package agentx.tools;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.events.Metrics;
import agentx.protocol.NodeHealth;
import agentx.protocol.Serving;
import agentx.tools.comfyui.UiConversionException;
import agentx.tools.comfyui.UiWorkflowConverter;
import agentx.protocol.StoreClient;
import agentx.protocol.ToolCall;
import agentx.protocol.ToolListing;
import agentx.protocol.ToolProgress;
import agentx.protocol.ToolResult;

import agentx.config.AgentXConfig;
import agentx.protocol.Addresses;
import agentx.tools.comfyui.ComfyTools;
import agentx.tools.comfyui.ComfyUiClient;
import agentx.tools.mcp.ExternalMcpServers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tool registry: the built-in ComfyUI tools and the tools of external MCP servers, on
 * {@code agentx.tools.*}. Every call is bounded by the tool timeout and can be cancelled by id.
 */
public class McpToolsVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(McpToolsVerticle.class);
  private static final Duration COMFYUI_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final long STATUS_PROBE_MS = 2_000;

  private final Map<String, Tool> registry = new LinkedHashMap<>();
  /** The registry's listing, made once when it is filled at start (it never changes after). */
  private ToolListing tools;
  private final Map<String, Call> running = new ConcurrentHashMap<>();
  private ComfyUiClient comfy;
  private ExternalMcpServers external;
  private StoreClient store;
  private long toolTimeoutMs;

  @Override
  public Future<?> start() {
    AgentXConfig config = AgentXConfig.from(config());
    toolTimeoutMs = config.integer(AgentXConfig.TOOL_TIMEOUT) * 1000L;
    Duration requestTimeout = Duration.ofMillis(Math.min(toolTimeoutMs, COMFYUI_REQUEST_TIMEOUT.toMillis()));
    comfy = new ComfyUiClient(vertx, config.string(AgentXConfig.COMFYUI_URL), requestTimeout);
    store = new StoreClient(vertx);
    ComfyTools.create(comfy).forEach(this::register);
    String serversFile = config.string(AgentXConfig.MCP_SERVERS_FILE);
    external = serversFile == null || serversFile.isBlank() ? ExternalMcpServers.none() : ExternalMcpServers.load(vertx, Path.of(serversFile));
    return external.start().compose(v -> {
      external.tools().forEach(this::register);
      tools = ToolListing.of(registry.values().stream().map(Tool::spec).toList()); // the registry is fixed from here on
      log.info("Tool registry ready: {} tools ({} from external MCP servers), ComfyUI at {}", registry.size(),
          external.tools().size(), comfy.shownUrl());
      List<MessageConsumer<?>> consumers = List.of(
          vertx.eventBus().<JsonObject>consumer(Addresses.TOOLS_LIST, m -> m.reply(listing()
              .toJson(m.body() == null ? null : m.body().getString(ToolListing.KNOWN_VERSION)))),
          vertx.eventBus().consumer(Addresses.TOOLS_CALL, this::onCall),
          vertx.eventBus().<JsonObject>consumer(Addresses.TOOLS_CANCEL, m -> cancel(ToolCall.cancelFromJson(m.body()))),
          vertx.eventBus().consumer(Addresses.TOOLS_STATUS, this::onStatus),
          Serving.serve(vertx, Addresses.TOOLS_WORKFLOW_TO_API, this::toApiFormat));
      return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
    });
  }

  @Override
  public Future<?> stop() {
    return Future.join(external == null ? Future.succeededFuture() : external.close(),
        comfy == null ? Future.succeededFuture() : comfy.close());
  }

  private void register(Tool tool) {
    String name = tool.spec().name();
    if (registry.putIfAbsent(name, tool) != null) {
      log.warn("Two tools are named {}; keeping the first", name);
    }
  }

  private ToolListing listing() {
    return tools.withServers(new JsonArray(external.status()));
  }

  private void onStatus(Message<JsonObject> message) {
    comfy.systemStats().timeout(STATUS_PROBE_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
        .map(stats -> "up").otherwise("down")
        .onComplete(up -> message.reply(new NodeHealth.Tools(up.result(), comfy.shownUrl(), new JsonArray(external.status())).toJson()));
  }

  /** A {@link ToolCall} → its {@link ToolResult}; never a bus failure. */
  private void onCall(Message<JsonObject> message) {
    ToolCall request = ToolCall.fromJson(message.body() == null ? new JsonObject() : message.body());
    String name = request.name();
    Tool tool = registry.get(name);
    if (tool == null) {
      message.reply(ToolResult.error("Unknown tool '" + name + "'.").toJson());
      return;
    }
    if (request.resumed() && !tool.resumesSafely()) {
      log.info("Call {} of {} (turn {}) was running when its engine stopped; not run again", request.callId(), name, request.turnId());
      message.reply(ToolResult.error("This call of " + name + " was running when the runtime stopped, so it may already have"
          + " taken effect. It was not run again, because " + name + " is neither read-only nor idempotent: check what it did"
          + " before calling it again.").toJson());
      return;
    }
    String callId = request.callId() != null ? request.callId() : UUID.randomUUID().toString();
    Call call = new Call(request.sessionId(), callId, name, request.progressAddress(),
        new BusWorkflowStore(store, request.turnId(), callId), request.turnId(), request.resumed(),
        System.nanoTime() + toolTimeoutMs * 1_000_000);
    running.put(callId, call);
    long started = System.nanoTime();
    Future<ToolResult> result;
    try {
      result = tool.call(request.arguments(), call);
    } catch (RuntimeException e) {
      log.error("Tool {} threw", name, e);
      result = Future.succeededFuture(ToolResult.error("The tool " + name + " failed: " + e.getMessage()));
    }
    Promise<ToolResult> bounded = Promise.promise();
    long timer = vertx.setTimer(toolTimeoutMs, t -> {
      // the answer first: the cancel below completes the call's cancelled() listener, which would say "cancelled"
      bounded.tryComplete(ToolResult.error("The tool " + name + " did not finish within " + toolTimeoutMs / 1000 + " s and was stopped."));
      call.cancel();
    });
    call.cancelled().onSuccess(v -> bounded.tryComplete(ToolResult.error("The tool call was cancelled.")));
    result.onComplete(done -> bounded.tryComplete(done.succeeded() ? done.result()
        : ToolResult.error("The tool " + name + " failed: " + done.cause().getMessage())));
    bounded.future().onComplete(done -> {
      vertx.cancelTimer(timer);
      running.remove(callId);
      Metrics.of(vertx).toolCall(name, done.result().isError() ? "error" : "ok", System.nanoTime() - started);
      message.reply(done.result().toJson());
    });
  }

  /** {@code {workflow: <UI format>}} → {@code {workflow: <API format>}}, converted with ComfyUI's node catalogue. */
  private Future<JsonObject> toApiFormat(JsonObject body) {
    JsonObject ui = body.getJsonObject("workflow", new JsonObject());
    return comfy.objectInfo()
        .recover(e -> Future.failedFuture(new AgentXException(ErrorCode.SERVICE_UNAVAILABLE,
            "A UI-format workflow is converted with ComfyUI's node catalogue, and ComfyUI could not be reached: " + e.getMessage())))
        .map(info -> {
          try {
            return new JsonObject().put("workflow", UiWorkflowConverter.toApi(ui, info));
          } catch (UiConversionException e) {
            throw new AgentXException(ErrorCode.VALIDATION_FAILED, e.getMessage(), e.details());
          }
        });
  }

  private void cancel(String callId) {
    Call call = callId == null ? null : running.get(callId);
    if (call != null) {
      call.cancel();
    }
  }

  /** One running call: what the tool may use besides its arguments. */
  private final class Call implements ToolContext {
    private final String sessionId;
    private final String callId;
    private final String toolName;
    private final String progressAddress;
    private final Promise<Void> cancelled = Promise.promise();
    private final WorkflowStore workflows;
    private final String turnId;
    private final boolean resumed;
    private final long deadlineNanos;

    Call(String sessionId, String callId, String toolName, String progressAddress, WorkflowStore workflows, String turnId,
        boolean resumed, long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
      this.workflows = workflows;
      this.turnId = turnId;
      this.resumed = resumed;
      this.sessionId = sessionId;
      this.callId = callId;
      this.toolName = toolName;
      this.progressAddress = progressAddress;
    }

    void cancel() {
      cancelled.tryComplete();
    }

    @Override
    public long timeLeftMs() {
      return Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }

    @Override
    public String sessionId() {
      return sessionId;
    }

    @Override
    public String callId() {
      return callId;
    }

    @Override
    public void progress(JsonObject progress) {
      if (progressAddress != null && !cancelled.future().isComplete()) {
        vertx.eventBus().send(progressAddress, new ToolProgress(callId, toolName, progress).toJson());
      }
    }

    @Override
    public Future<Void> cancelled() {
      return cancelled.future();
    }

    @Override
    public boolean isCancelled() {
      return cancelled.future().isComplete();
    }

    @Override
    public WorkflowStore workflows() {
      return workflows;
    }

    @Override
    public String turnId() {
      return turnId;
    }

    @Override
    public boolean resumed() {
      return resumed;
    }
  }
}
