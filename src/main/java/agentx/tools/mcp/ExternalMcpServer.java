package agentx.tools.mcp;

import static agentx.tools.mcp.Failures.describe;
import static agentx.tools.mcp.Failures.hasCause;
import static agentx.tools.mcp.Failures.unwrap;

import agentx.tools.Tool;
import agentx.tools.ToolContext;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpTransportException;
import io.modelcontextprotocol.spec.McpTransportSessionNotFoundException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * One external MCP server reached through the official Java SDK client: starts it, lists its
 * tools, forwards calls, and notices when it dies. State changes happen on one Vert.x context;
 * the fields read by {@link #status()} are volatile because any thread may ask.
 */
final class ExternalMcpServer {
  static final String RUNNING = "running";
  static final String FAILED = "failed";
  static final String STOPPED = "stopped";

  private static final Logger LOG = LoggerFactory.getLogger(ExternalMcpServer.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration REQUEST_TIMEOUT_MARGIN = Duration.ofSeconds(5);
  private static final int STDERR_LINES_KEPT = 5;
  private static final int MAX_TOOL_PAGES = 100;

  private final Vertx vertx;
  private final ExternalServerConfig config;
  private final McpJsonMapper mapper = McpJsonDefaults.getMapper();
  private final Map<String, Consumer<JsonObject>> progressByToken = new ConcurrentHashMap<>();
  private final Set<CompletableFuture<?>> pendingCalls = ConcurrentHashMap.newKeySet();
  private final Deque<String> stderrTail = new ArrayDeque<>();
  /** Fails when startup must stop early (no such command, process exited) instead of timing out. */
  private final Promise<Void> startAborted = Promise.promise();
  private volatile Context context;
  private volatile McpAsyncClient client;
  private volatile CancellingTransport transport;
  private volatile String state = STOPPED;
  private volatile String error;
  private volatile List<Tool> tools = List.of();
  private volatile boolean closing;

  ExternalMcpServer(Vertx vertx, ExternalServerConfig config) {
    this.vertx = vertx;
    this.config = config;
  }

  String name() {
    return config.name();
  }

  /** Starts the server; never fails: a server that cannot start is recorded as failed. */
  Future<Void> start() {
    if (context != null) {
      return Future.succeededFuture(); // already started (or starting)
    }
    context = vertx.getOrCreateContext();
    if (!config.valid()) {
      recordFailure("invalid configuration: " + config.problem());
      return Future.succeededFuture();
    }
    // Building transports may block (TLS setup for http, thread pools for stdio): keep it off the event loop.
    return context.executeBlocking(this::connect)
        .compose(this::initialize)
        .compose(v -> listTools(McpSchema.FIRST_PAGE, new ArrayList<>(), 0))
        .onSuccess(this::becomeRunning)
        .onFailure(failure -> {
          recordFailure("could not start: " + describe(failure) + stderrHint());
          closeClientQuietly();
        })
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  List<Tool> tools() {
    return tools;
  }

  JsonObject status() {
    return new JsonObject()
        .put("name", config.name())
        .put("type", config.type())
        .put("status", state)
        .put("tool_count", tools.size())
        .put("error", error);
  }

  /** Stops the server (the process, for stdio); calls still running end with an error result. */
  Future<Void> close() {
    closing = true;
    McpAsyncClient current = client;
    client = null;
    failPendingCalls("the runtime is shutting the server down");
    if (current == null) {
      state = STOPPED;
      return Future.succeededFuture();
    }
    Context ctx = context != null ? context : vertx.getOrCreateContext();
    return Reactive.toFuture(current.closeGracefully().timeout(CLOSE_TIMEOUT), ctx)
        .recover(failure -> ctx.executeBlocking(() -> {
          current.close(); // graceful close failed or hung: force it
          return null;
        }))
        .otherwiseEmpty()
        .onComplete(done -> state = STOPPED)
        .mapEmpty();
  }

  // ---- startup ----

  private McpAsyncClient connect() {
    McpClientTransport raw = ExternalServerConfig.STDIO.equals(config.type()) ? stdioTransport() : httpTransport();
    transport = new CancellingTransport(raw);
    McpAsyncClient created = McpClient.async(transport)
        .clientInfo(new McpSchema.Implementation("agentx", "0.1.0"))
        .initializationTimeout(config.startupTimeout())
        // Our own per-call timeout (below) fires first, so the server is told the call was abandoned.
        .requestTimeout(config.callTimeout().plus(REQUEST_TIMEOUT_MARGIN))
        .progressConsumer(this::onProgress)
        .build();
    client = created;
    return created;
  }

  private StdioProcessTransport stdioTransport() {
    ServerParameters parameters = ServerParameters.builder(config.command())
        .args(config.args())
        .env(config.env())
        .build();
    StdioProcessTransport stdio = new StdioProcessTransport(config.name(), parameters, mapper);
    stdio.setStdErrorHandler(this::onStderr);
    stdio.started().whenComplete((v, failure) -> {
      if (failure != null) {
        context.runOnContext(x -> startAborted.tryFail(unwrap(failure)));
      }
    });
    stdio.exited().thenRun(() -> context.runOnContext(x -> onExit()));
    return stdio;
  }

  private HttpClientStreamableHttpTransport httpTransport() {
    URI uri = URI.create(config.url());
    String base = uri.getScheme() + "://" + uri.getRawAuthority();
    String endpoint = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
        + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    Map<String, String> headers = config.headers();
    return HttpClientStreamableHttpTransport.builder(base)
        .endpoint(endpoint)
        .connectTimeout(config.startupTimeout())
        .jsonMapper(mapper)
        .httpRequestCustomizer((builder, method, target, body, transportContext) -> headers.forEach(builder::header))
        .build();
  }

  private Future<McpSchema.InitializeResult> initialize(McpAsyncClient created) {
    // Startup also fails early when the process cannot start or exits meanwhile,
    // instead of waiting for the initialization timeout.
    Promise<McpSchema.InitializeResult> ready = Promise.promise();
    Reactive.toFuture(created.initialize(), context).onComplete(ready::tryComplete, ready::tryFail);
    startAborted.future().onFailure(ready::tryFail);
    return ready.future();
  }

  private Future<List<McpSchema.Tool>> listTools(String cursor, List<McpSchema.Tool> found, int page) {
    McpAsyncClient current = client;
    if (current == null || page >= MAX_TOOL_PAGES) {
      return Future.succeededFuture(found);
    }
    return Reactive.toFuture(current.listTools(cursor).timeout(config.startupTimeout()), context)
        .compose(result -> {
          found.addAll(result.tools());
          String next = result.nextCursor();
          return next == null || next.isEmpty() ? Future.succeededFuture(found) : listTools(next, found, page + 1);
        });
  }

  private void becomeRunning(List<McpSchema.Tool> remoteTools) {
    if (closing) {
      closeClientQuietly(); // close() ran before the client existed
      return;
    }
    if (FAILED.equals(state)) {
      return; // died while listing
    }
    List<Tool> mapped = new ArrayList<>();
    Set<String> taken = new HashSet<>();
    for (McpSchema.Tool remote : remoteTools) {
      String name = ToolNames.external(config.name(), remote.name(), taken);
      try {
        mapped.add(new RemoteTool(SdkMapping.toSpec(remote, name, config.name(), mapper), remote.name()));
        taken.add(name);
      } catch (IllegalArgumentException e) {
        LOG.warn("MCP server {}: tool {} skipped: {}", config.name(), remote.name(), e.getMessage());
      }
    }
    tools = List.copyOf(mapped);
    state = RUNNING;
    error = null;
    LOG.info("MCP server {} running with {} tools", config.name(), mapped.size());
  }

  // ---- calls ----

  private Future<ToolResult> call(String remoteName, JsonObject arguments, ToolContext toolContext) {
    McpAsyncClient current = client;
    CancellingTransport currentTransport = transport;
    if (!RUNNING.equals(state) || current == null) {
      return Future.succeededFuture(downResult());
    }
    if (toolContext != null && toolContext.isCancelled()) {
      return Future.succeededFuture(ToolResult.error("The call was cancelled before it started"));
    }
    Context callContext = vertx.getOrCreateContext();
    String token = UUID.randomUUID().toString();
    if (toolContext != null) {
      progressByToken.put(token, report -> callContext.runOnContext(v -> toolContext.progress(report)));
    }
    McpSchema.CallToolRequest request = McpSchema.CallToolRequest.builder()
        .name(remoteName)
        .arguments(mapper, (arguments == null ? new JsonObject() : arguments).encode())
        .progressToken(token)
        .build();
    CompletableFuture<McpSchema.CallToolResult> pending = current.callTool(request).timeout(config.callTimeout()).toFuture();
    pendingCalls.add(pending);
    if (toolContext != null) {
      toolContext.cancelled().onSuccess(v -> {
        if (!pending.isDone()) {
          // Tell the server first: completing the future below releases the request id.
          currentTransport.cancel(token, "cancelled by the AgentX runtime");
          pending.cancel(true); // disposes the SDK's subscription
        }
      });
    }
    return Future.fromCompletionStage(pending, callContext)
        .map(result -> SdkMapping.toResult(result, mapper))
        .otherwise(failure -> {
          if (hasCause(failure, TimeoutException.class)) {
            currentTransport.cancel(token, "timed out after " + config.callTimeout().toSeconds() + " s");
          }
          return failureResult(remoteName, failure);
        })
        .andThen(done -> {
          pendingCalls.remove(pending);
          progressByToken.remove(token);
          currentTransport.forget(token);
        });
  }

  private ToolResult failureResult(String remoteName, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (FAILED.equals(state) || cause instanceof ServerDownException) {
      return downResult();
    }
    if (cause instanceof CancellationException) {
      return ToolResult.error("The call to " + remoteName + " was cancelled");
    }
    if (hasCause(failure, TimeoutException.class)) {
      return ToolResult.error("The MCP server " + config.name() + " did not answer " + remoteName + " within "
          + config.callTimeout().toSeconds() + " s");
    }
    if (cause instanceof McpError mcpError) {
      return ToolResult.error("The MCP server " + config.name() + " refused " + remoteName + ": " + mcpError.getMessage());
    }
    if (hasCause(failure, IOException.class) || hasCause(failure, McpTransportException.class)
        || hasCause(failure, McpTransportSessionNotFoundException.class)) {
      runOnContext(() -> markDown("connection lost: " + describe(failure)));
      return ToolResult.error("The MCP server " + config.name() + " is down (connection lost: " + describe(failure) + ")");
    }
    return ToolResult.error("Calling " + remoteName + " on the MCP server " + config.name() + " failed: " + describe(failure));
  }

  private ToolResult downResult() {
    String why = error != null ? " (" + error + ")" : "";
    return ToolResult.error("The MCP server " + config.name() + " is down" + why + "; its tools cannot be used right now");
  }

  private Mono<Void> onProgress(McpSchema.ProgressNotification notification) {
    Consumer<JsonObject> target = notification.progressToken() == null ? null
        : progressByToken.get(notification.progressToken().toString());
    if (target != null) {
      JsonObject report = new JsonObject().put("progress", notification.progress());
      if (notification.total() != null) {
        report.put("total", notification.total());
      }
      if (notification.message() != null) {
        report.put("message", notification.message());
      }
      target.accept(report);
    }
    return Mono.empty();
  }

  // ---- failure handling ----

  private void onExit() {
    if (!closing) {
      markDown("the server process exited" + stderrHint());
    }
  }

  /** The server died: record it, end running calls, release what is left of the client. */
  private void markDown(String reason) {
    if (closing || FAILED.equals(state)) {
      return;
    }
    boolean wasRunning = RUNNING.equals(state);
    recordFailure(reason);
    startAborted.tryFail(new IllegalStateException(reason));
    failPendingCalls(reason);
    if (wasRunning) {
      closeClientQuietly();
    }
  }

  private void recordFailure(String reason) {
    state = FAILED;
    error = reason;
    LOG.warn("MCP server {} failed: {}", config.name(), reason);
  }

  private void failPendingCalls(String reason) {
    pendingCalls.forEach(call -> call.completeExceptionally(new ServerDownException(reason)));
  }

  private void closeClientQuietly() {
    McpAsyncClient current = client;
    client = null;
    if (current != null) {
      current.closeGracefully().timeout(CLOSE_TIMEOUT)
          .subscribe(v -> { }, failure -> current.close());
    }
  }

  private void onStderr(String line) {
    LOG.info("[mcp {}] {}", config.name(), line);
    synchronized (stderrTail) {
      if (stderrTail.size() == STDERR_LINES_KEPT) {
        stderrTail.removeFirst();
      }
      stderrTail.addLast(line);
    }
  }

  private String stderrHint() {
    synchronized (stderrTail) {
      return stderrTail.isEmpty() ? "" : "; last stderr: " + String.join(" | ", stderrTail);
    }
  }

  private void runOnContext(Runnable action) {
    context.runOnContext(v -> action.run());
  }

  /** Ends a call whose server died, so it does not wait for its timeout. */
  private static final class ServerDownException extends RuntimeException {
    ServerDownException(String reason) {
      super(reason, null, false, false);
    }
  }

  /** An external tool in the registry: the spec under our name, calls under the server's name. */
  private final class RemoteTool implements Tool {
    private final ToolSpec spec;
    private final String remoteName;

    RemoteTool(ToolSpec spec, String remoteName) {
      this.spec = spec;
      this.remoteName = remoteName;
    }

    @Override
    public ToolSpec spec() {
      return spec;
    }

    @Override
    public Future<ToolResult> call(JsonObject arguments, ToolContext toolContext) {
      try {
        return ExternalMcpServer.this.call(remoteName, arguments, toolContext);
      } catch (RuntimeException e) { // Tool contract: never throw
        return Future.succeededFuture(ToolResult.error("Calling " + remoteName + " failed: " + describe(e)));
      }
    }
  }
}
