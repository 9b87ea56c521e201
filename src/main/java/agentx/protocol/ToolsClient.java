package agentx.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** The tools service ({@code agentx.tools.*}) as the engine and /mcp call it: the only sender to those addresses. */
public final class ToolsClient {
  private final Vertx vertx;
  /** The listing last answered: handed out again while the registry is unchanged (see {@link #list}). */
  private volatile ToolListing last;

  public ToolsClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Fails with SERVICE_UNAVAILABLE when no tools service runs anywhere. While the registry does not
   * change, every call answers the same specs (the same schema objects, which nobody changes), and the
   * service leaves them out of its answer ({@link ToolListing}): a thousand turns waiting for Claude then
   * hold one copy of the tools' schemas, not a thousand, which the garbage collector copied at every young
   * collection, and a thousand turn starts do not each build, copy and parse them.
   */
  public Future<ToolListing> list(long timeoutMs) {
    ToolListing held = last;
    JsonObject ask = new JsonObject().put(ToolListing.KNOWN_VERSION, held == null ? null : held.version());
    return Bus.request(vertx, Addresses.TOOLS_LIST, ask, timeoutMs).map(json -> {
      ToolListing listing = ToolListing.fromJson(json, held);
      last = listing;
      return listing;
    });
  }

  /** A failure to reach the tool (no service, timeout) fails the future; a tool's own failure is an error result. */
  public Future<ToolResult> call(ToolCall call, long timeoutMs) {
    return Bus.request(vertx, Addresses.TOOLS_CALL, call.toJson(), timeoutMs).map(ToolResult::fromJson);
  }

  /** Aborts a running call wherever it runs (published: the service running it acts, others ignore it). */
  public void cancel(String callId) {
    vertx.eventBus().publish(Addresses.TOOLS_CANCEL, ToolCall.cancelToJson(callId));
  }

  /** ComfyUI's UI save format → the API format; VALIDATION_FAILED naming the node when it cannot be converted. */
  public Future<JsonObject> toApiFormat(JsonObject uiWorkflow) {
    return Bus.request(vertx, Addresses.TOOLS_WORKFLOW_TO_API, new JsonObject().put("workflow", uiWorkflow))
        .map(r -> r.getJsonObject("workflow"));
  }

  public Future<NodeHealth.Tools> status(long timeoutMs) {
    return Bus.request(vertx, Addresses.TOOLS_STATUS, new JsonObject(), timeoutMs).map(NodeHealth.Tools::fromJson);
  }
}
