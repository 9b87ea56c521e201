package agentx.tools.comfyui;

import agentx.tools.Tool;
import agentx.tools.ToolContext;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tool made of a spec and a function. Keeps the {@link Tool} promise that nothing is thrown:
 * exceptions and failed futures become {@code isError} results with a sentence Claude can read.
 */
final class FunctionTool implements Tool {
  private static final Logger LOG = LoggerFactory.getLogger(FunctionTool.class);

  private final ToolSpec spec;
  private final BiFunction<JsonObject, ToolContext, Future<ToolResult>> body;
  private final boolean findsItsEarlierRun;

  FunctionTool(ToolSpec spec, BiFunction<JsonObject, ToolContext, Future<ToolResult>> body) {
    this(spec, body, false);
  }

  /** @param findsItsEarlierRun a resumed call looks for what its first run started instead of starting it again */
  FunctionTool(ToolSpec spec, BiFunction<JsonObject, ToolContext, Future<ToolResult>> body, boolean findsItsEarlierRun) {
    this.spec = spec;
    this.body = body;
    this.findsItsEarlierRun = findsItsEarlierRun;
  }

  @Override
  public ToolSpec spec() {
    return spec;
  }

  @Override
  public boolean resumesSafely() {
    return findsItsEarlierRun || Tool.super.resumesSafely();
  }

  @Override
  public Future<ToolResult> call(JsonObject arguments, ToolContext context) {
    Future<ToolResult> result;
    try {
      result = body.apply(arguments == null ? new JsonObject() : arguments, context);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.recover(err -> Future.succeededFuture(toResult(err)));
  }

  private ToolResult toResult(Throwable err) {
    if (err instanceof ToolRefusal refusal) {
      return ToolResult.error(refusal.getMessage(), refusal.details());
    }
    if (err instanceof ComfyUiException comfy) {
      JsonObject details = new JsonObject();
      if (comfy.status() != 0) {
        details.put("http_status", comfy.status());
      }
      if (comfy.body() != null) {
        details.put("comfyui_answer", comfy.body());
      }
      return ToolResult.error(comfy.getMessage(), details.isEmpty() ? null : details);
    }
    LOG.warn("tool {} failed unexpectedly", spec.name(), err);
    String message = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    if (err instanceof ClassCastException || err instanceof NullPointerException || err instanceof IndexOutOfBoundsException
        || err instanceof io.vertx.core.json.DecodeException) {
      // what reading an answer of an unexpected shape throws: most likely ComfyUI's (another version, a custom node)
      return ToolResult.error("The " + spec.name() + " tool could not read data of a shape it did not expect, most likely ComfyUI's"
          + " answer (another ComfyUI version, or a custom node's): " + message);
    }
    return ToolResult.error("The " + spec.name() + " tool failed unexpectedly: " + message);
  }
}
