package agentx.testing;

import agentx.tools.Tool;
import agentx.tools.ToolContext;
import agentx.protocol.ToolResult;
import agentx.tools.comfyui.ComfyTools;
import agentx.tools.comfyui.ComfyUiClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the fake ComfyUI and the ComfyUI tools against it, with an in-memory workflow store, and
 * calls tools on a Vert.x context as the tools verticle would.
 */
public final class ComfyToolsHarness {
  public static final String SESSION = "7b1f5a52-4c1e-4d8e-9a0b-1f2e3d4c5b6a";

  public final Vertx vertx;
  public final FakeComfyUi fake;
  public final ComfyUiClient client;
  public final InMemoryWorkflowStore store = new InMemoryWorkflowStore();
  private final Map<String, Tool> tools = new LinkedHashMap<>();

  private ComfyToolsHarness(Vertx vertx, FakeComfyUi fake, Duration timeout) {
    this.vertx = vertx;
    this.fake = fake;
    this.client = new ComfyUiClient(vertx, fake.baseUrl(), timeout);
    ComfyTools.create(client).forEach(t -> tools.put(t.spec().name(), t));
  }

  public static ComfyToolsHarness start(Vertx vertx) {
    return start(vertx, Duration.ofSeconds(5));
  }

  public static ComfyToolsHarness start(Vertx vertx, Duration timeout) {
    return new ComfyToolsHarness(vertx, Await.result(new FakeComfyUi(vertx).start()), timeout);
  }

  public void close() {
    Await.result(client.close());
    Await.result(fake.stop());
  }

  public List<Tool> tools() {
    return List.copyOf(tools.values());
  }

  public Tool tool(String name) {
    Tool tool = tools.get(name);
    if (tool == null) {
      throw new AssertionError("no tool " + name + " in " + tools.keySet());
    }
    return tool;
  }

  public RecordingToolContext context() {
    return new RecordingToolContext(SESSION, store);
  }

  public ToolResult call(String name, JsonObject args) {
    return call(name, args, context());
  }

  public ToolResult call(String name, JsonObject args, ToolContext ctx) {
    return Await.result(callAsync(name, args, ctx), 30);
  }

  public Future<ToolResult> callAsync(String name, JsonObject args, ToolContext ctx) {
    Promise<ToolResult> result = Promise.promise();
    vertx.getOrCreateContext().runOnContext(v -> tool(name).call(args, ctx).onComplete(result));
    return result.future();
  }

  /** Saves the default workflow as the session's version 1. */
  public JsonObject saveDefaultWorkflow() {
    JsonObject wf = Fixtures.defaultWorkflow();
    Await.result(store.save(SESSION, wf, "default"));
    return wf;
  }

  public JsonObject currentWorkflow() {
    JsonObject current = Await.result(store.current(SESSION));
    return current == null ? null : current.getJsonObject("workflow");
  }

  /** The first text block. */
  public static String text(ToolResult result) {
    return result.content().getJsonObject(0).getString("text");
  }

  /** The first text block parsed as JSON. */
  public static JsonObject json(ToolResult result) {
    return new JsonObject(text(result));
  }
}
