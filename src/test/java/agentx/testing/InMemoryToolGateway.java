package agentx.testing;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import agentx.api.mcp.ToolGateway;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A tool registry for tests of the MCP endpoint: {@code add{a,b}}, {@code slow{steps}} (one step
 * per 100 ms, reporting progress, cancellable), {@code broken} (an isError result) and
 * {@code pixel} (an image block). Unknown tools fail the future, as a real registry does.
 */
public final class InMemoryToolGateway implements ToolGateway {
  public static final long STEP_MS = 100;

  private final Vertx vertx;
  private final Map<String, Runnable> running = new ConcurrentHashMap<>();
  public final List<String> cancelled = new CopyOnWriteArrayList<>();
  public final AtomicInteger slowSteps = new AtomicInteger();
  public final AtomicInteger slowFinished = new AtomicInteger();

  public InMemoryToolGateway(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<List<ToolSpec>> list() {
    JsonObject number = new JsonObject().put("type", "number");
    return Future.succeededFuture(List.of(
        new ToolSpec("add", "Adds two numbers", schema(new JsonObject().put("a", number).put("b", number)),
            new JsonObject().put("readOnlyHint", true), null),
        new ToolSpec("slow", "Counts steps slowly, reporting progress",
            schema(new JsonObject().put("steps", number)), null, null),
        new ToolSpec("broken", "Always fails", schema(new JsonObject()), null, null),
        new ToolSpec("pixel", "Returns a tiny image", schema(new JsonObject()), null, null)));
  }

  @Override
  public Future<ToolResult> call(String name, JsonObject arguments, String callId, Consumer<JsonObject> progress) {
    return switch (name) {
      case "add" -> Future.succeededFuture(ToolResult.text(
          String.valueOf(arguments.getDouble("a", 0.0) + arguments.getDouble("b", 0.0)), false));
      case "slow" -> slow(arguments.getInteger("steps", 3), callId, progress);
      case "broken" -> Future.succeededFuture(ToolResult.error("the tool broke on purpose"));
      case "pixel" -> Future.succeededFuture(new ToolResult(new JsonArray()
          .add(ToolResult.text("one pixel")).add(ToolResult.image(EchoMcpServer.PIXEL_PNG, "image/png")), false));
      default -> Future.failedFuture(new AgentXException(ErrorCode.NOT_FOUND, "unknown tool: " + name));
    };
  }

  private Future<ToolResult> slow(int steps, String callId, Consumer<JsonObject> progress) {
    Promise<ToolResult> done = Promise.promise();
    AtomicInteger step = new AtomicInteger();
    long timer = vertx.setPeriodic(STEP_MS, id -> {
      int current = step.incrementAndGet();
      slowSteps.incrementAndGet();
      progress.accept(new JsonObject().put("progress", current).put("total", steps).put("message", "step " + current));
      if (current >= steps) {
        vertx.cancelTimer(id);
        running.remove(callId);
        slowFinished.incrementAndGet();
        done.tryComplete(ToolResult.text("done after " + current + " steps", false));
      }
    });
    running.put(callId, () -> {
      vertx.cancelTimer(timer);
      done.tryComplete(ToolResult.error("cancelled"));
    });
    return done.future();
  }

  @Override
  public void cancel(String callId) {
    cancelled.add(callId);
    Runnable stop = running.remove(callId);
    if (stop != null) {
      stop.run();
    }
  }

  private static JsonObject schema(JsonObject properties) {
    return new JsonObject().put("type", "object").put("properties", properties);
  }
}
