package agentx.tools.mcp;

import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Wraps an SDK client transport to make cancellation reach the server. The SDK client drops a
 * disposed call locally but never sends {@code notifications/cancelled}, and it keeps the JSON-RPC
 * request ids to itself; this wrapper learns the id of each outgoing {@code tools/call} from its
 * progress token (unique per call) so {@link #cancel} can name it.
 */
final class CancellingTransport implements McpClientTransport {
  private final McpClientTransport delegate;
  private final Map<String, Object> requestIdByToken = new ConcurrentHashMap<>();

  CancellingTransport(McpClientTransport delegate) {
    this.delegate = delegate;
  }

  @Override
  public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
    if (message instanceof McpSchema.JSONRPCRequest request && "tools/call".equals(request.method())) {
      Object token = progressToken(request.params());
      if (token != null) {
        requestIdByToken.put(token.toString(), request.id());
      }
    }
    return delegate.sendMessage(message);
  }

  /** Tells the server to stop the call sent with this progress token; a no-op if it was never sent. */
  void cancel(String progressToken, String reason) {
    Object requestId = requestIdByToken.remove(progressToken);
    if (requestId != null) {
      delegate.sendMessage(new McpSchema.JSONRPCNotification("2.0", "notifications/cancelled",
              Map.of("requestId", requestId, "reason", reason)))
          .subscribe(v -> { }, failure -> { }); // best effort: the call is already abandoned locally
    }
  }

  /** The call has ended; its id is no longer needed. */
  void forget(String progressToken) {
    requestIdByToken.remove(progressToken);
  }

  private static Object progressToken(Object params) {
    if (params instanceof McpSchema.CallToolRequest call) {
      return call.meta() == null ? null : call.meta().get("progressToken");
    }
    if (params instanceof Map<?, ?> map && map.get("_meta") instanceof Map<?, ?> meta) {
      return meta.get("progressToken");
    }
    return null;
  }

  @Override
  public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
    return delegate.connect(handler);
  }

  @Override
  public void setExceptionHandler(Consumer<Throwable> handler) {
    delegate.setExceptionHandler(handler);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return delegate.closeGracefully();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
    return delegate.unmarshalFrom(data, typeRef);
  }

  @Override
  public List<String> protocolVersions() {
    return delegate.protocolVersions();
  }
}
