package agentx.tools.mcp;

import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * The SDK's stdio transport, plus two signals it does not give: the process could not be started
 * (otherwise initialize just waits for its timeout), and the process has exited (otherwise pending
 * and later requests wait for their timeouts).
 */
final class StdioProcessTransport extends StdioClientTransport {
  private final String serverName;
  private final CompletableFuture<Void> started = new CompletableFuture<>();
  private final CompletableFuture<Void> exited = new CompletableFuture<>();

  StdioProcessTransport(String serverName, ServerParameters parameters, McpJsonMapper mapper) {
    super(parameters, mapper);
    this.serverName = serverName;
  }

  @Override
  public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
    return super.connect(handler)
        .doOnSuccess(v -> {
          started.complete(null);
          watchExit();
        })
        .doOnError(started::completeExceptionally);
  }

  /** Completes once the process runs; fails when it could not be started (e.g. no such command). */
  CompletableFuture<Void> started() {
    return started;
  }

  /** Completes when the process has exited, for whatever reason. */
  CompletableFuture<Void> exited() {
    return exited;
  }

  /** A daemon thread blocked in waitFor: the only exit signal the SDK's transport offers. */
  private void watchExit() {
    Thread watcher = new Thread(() -> {
      try {
        awaitForExit();
      } catch (RuntimeException e) {
        // interrupted: treat as exited, the process is of no use to us anymore
      }
      exited.complete(null);
    }, "mcp-stdio-exit-" + serverName);
    watcher.setDaemon(true);
    watcher.start();
  }
}
