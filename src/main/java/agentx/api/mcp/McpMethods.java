package agentx.api.mcp;

import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The MCP methods a session can call, transport-free: each request becomes a JSON-RPC response
 * (or null when a cancellation dropped it). Tool failures are results with {@code isError}, never
 * JSON-RPC errors, so the client's model can read what went wrong.
 */
final class McpMethods {
  private static final String CURSOR_PREFIX = "offset:";

  private final ToolGateway gateway;
  private final McpServerOptions options;

  McpMethods(ToolGateway gateway, McpServerOptions options) {
    this.gateway = gateway;
    this.options = options;
  }

  JsonObject initializeResult(String protocolVersion) {
    JsonObject result = new JsonObject()
        .put("protocolVersion", protocolVersion)
        .put("capabilities", new JsonObject().put("tools", new JsonObject().put("listChanged", false)))
        .put("serverInfo", new JsonObject().put("name", options.serverName()).put("version", options.serverVersion()));
    if (options.instructions() != null) {
      result.put("instructions", options.instructions());
    }
    return result;
  }

  /**
   * Answers one request of a session.
   *
   * @param notifications where server notifications for this request go (progress); may drop them
   */
  Future<JsonObject> handle(McpSession session, JsonRpc.Message request, Consumer<JsonObject> notifications) {
    Object id = request.id();
    return switch (request.method()) {
      case "ping" -> Future.succeededFuture(JsonRpc.result(id, new JsonObject()));
      case "tools/list" -> listTools(id, request.paramsObject());
      case "tools/call" -> callTool(session, request, notifications);
      case "initialize" -> Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_REQUEST,
          "Invalid Request: initialize must be sent alone, without a session id, and not inside a batch"));
      default -> Future.succeededFuture(JsonRpc.error(id, JsonRpc.METHOD_NOT_FOUND,
          "Method not found: " + request.method() + " (this server offers ping, tools/list and tools/call)"));
    };
  }

  private Future<JsonObject> listTools(Object id, JsonObject params) {
    Object cursor = params.getValue("cursor");
    int offset = cursor == null ? 0 : cursor instanceof String text ? decodeCursor(text) : -1;
    if (offset < 0) {
      return Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_PARAMS,
          "Invalid params: cursor is not one this server issued; call tools/list without a cursor"));
    }
    return gateway.list()
        .map(all -> JsonRpc.result(id, page(all, offset)))
        .otherwise(failure -> JsonRpc.error(id, JsonRpc.INTERNAL_ERROR,
            "The tool registry is unavailable: " + describe(failure)));
  }

  private JsonObject page(List<ToolSpec> all, int offset) {
    int end = Math.min(all.size(), offset + options.pageSize());
    JsonArray tools = new JsonArray();
    for (int i = Math.min(offset, end); i < end; i++) {
      tools.add(toMcp(all.get(i)));
    }
    JsonObject result = new JsonObject().put("tools", tools);
    if (end < all.size()) {
      result.put("nextCursor", encodeCursor(end));
    }
    return result;
  }

  private static JsonObject toMcp(ToolSpec spec) {
    return new JsonObject()
        .put("name", spec.name())
        .put("description", spec.description() == null ? "" : spec.description())
        .put("inputSchema", spec.inputSchema())
        .put("annotations", spec.annotations());
  }

  private Future<JsonObject> callTool(McpSession session, JsonRpc.Message request, Consumer<JsonObject> notifications) {
    Object id = request.id();
    JsonObject params = request.paramsObject();
    if (!(params.getValue("name") instanceof String name) || name.isEmpty()) {
      return Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_PARAMS,
          "Invalid params: tools/call needs params.name, the tool's name as a string"));
    }
    Object arguments = params.getValue("arguments");
    if (arguments != null && !(arguments instanceof JsonObject)) {
      return Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_PARAMS,
          "Invalid params: params.arguments must be an object"));
    }
    JsonObject given = arguments == null ? new JsonObject() : (JsonObject) arguments;
    // the spec: an unknown tool is a protocol error (-32602), a tool that fails is a result with isError;
    // when the list cannot be had, the call goes ahead and its failure is the result
    return gateway.list().transform(listed -> listed.succeeded() && listed.result().stream().noneMatch(spec -> spec.name().equals(name))
        ? Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_PARAMS, "Unknown tool: " + name))
        : run(session, request, name, given, notifications));
  }

  private Future<JsonObject> run(McpSession session, JsonRpc.Message request, String name, JsonObject arguments,
      Consumer<JsonObject> notifications) {
    Object id = request.id();
    String callId = "mcp-" + UUID.randomUUID();
    String key = JsonRpc.idKey(id);
    Promise<JsonObject> answer = Promise.promise();
    Runnable cancel = () -> {
      // Drop the answer first: the gateway may complete the call synchronously while cancelling.
      answer.tryComplete(null); // the spec: no response for a cancelled request
      gateway.cancel(callId);
    };
    if (!session.track(key, cancel)) {
      return Future.succeededFuture(JsonRpc.error(id, JsonRpc.INVALID_REQUEST,
          "Invalid Request: request id " + id + " is already used by a call that is still running"));
    }
    Object token = request.progressToken();
    ProgressReporter progress = new ProgressReporter(token, token == null ? n -> { } : notifications);
    invoke(name, arguments, callId, session.id(), progress)
        .onComplete(done -> {
          progress.close();
          session.untrack(key, cancel);
          answer.tryComplete(JsonRpc.result(id, toMcp(done.result())));
        });
    return answer.future();
  }

  /** The gateway's answer, with every failure (thrown or failed future) turned into an error result. */
  private Future<ToolResult> invoke(String name, JsonObject arguments, String callId, String workspace, Consumer<JsonObject> progress) {
    Future<ToolResult> call;
    try {
      call = gateway.call(name, arguments, callId, workspace, progress);
    } catch (RuntimeException e) {
      call = Future.failedFuture(e);
    }
    return call
        .map(result -> result != null ? result : ToolResult.error("Tool " + name + " returned nothing"))
        .otherwise(failure -> ToolResult.error("Tool " + name + " failed: " + describe(failure)));
  }

  private static JsonObject toMcp(ToolResult result) {
    return new JsonObject().put("content", result.content()).put("isError", result.isError());
  }

  private static String describe(Throwable failure) {
    return failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
  }

  private static String encodeCursor(int offset) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((CURSOR_PREFIX + offset).getBytes(StandardCharsets.UTF_8));
  }

  /** The offset in a cursor, or -1 when it is not one of ours. */
  private static int decodeCursor(String cursor) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      return text.startsWith(CURSOR_PREFIX) ? Math.max(-1, Integer.parseInt(text.substring(CURSOR_PREFIX.length()))) : -1;
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }
}
