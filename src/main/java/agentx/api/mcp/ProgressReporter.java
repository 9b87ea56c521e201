package agentx.api.mcp;

import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;

/**
 * Turns a tool's progress reports into {@code notifications/progress} for one progress token.
 * Tools report either MCP-shaped {@code {progress, total?, message?}} or ComfyUI's
 * {@code {value, max, node?}}. MCP requires the progress value to grow with every notification;
 * ComfyUI restarts its count at each node, so a report that does not grow is sent as
 * "one step further" without a total rather than dropped (its message still matters).
 */
final class ProgressReporter implements Consumer<JsonObject> {
  private final Object token;
  private final Consumer<JsonObject> sink;
  private double last = Double.NEGATIVE_INFINITY;
  private boolean closed;

  ProgressReporter(Object token, Consumer<JsonObject> sink) {
    this.token = token;
    this.sink = sink;
  }

  @Override
  public synchronized void accept(JsonObject report) {
    if (closed || report == null) {
      return;
    }
    Double value = number(report, "progress", "value");
    Double total = number(report, "total", "max");
    if (value == null || value <= last) {
      value = last == Double.NEGATIVE_INFINITY ? 0 : last + 1;
      total = null;
    }
    last = value;
    JsonObject params = new JsonObject().put("progressToken", token).put("progress", compact(value));
    if (total != null && total >= value) {
      params.put("total", compact(total));
    }
    String message = message(report);
    if (message != null) {
      params.put("message", message);
    }
    sink.accept(JsonRpc.notification("notifications/progress", params));
  }

  /** Later reports (the call already answered) are dropped. */
  synchronized void close() {
    closed = true;
  }

  private static Double number(JsonObject report, String key, String alternative) {
    Object value = report.containsKey(key) ? report.getValue(key) : report.getValue(alternative);
    return value instanceof Number n ? n.doubleValue() : null;
  }

  private static String message(JsonObject report) {
    if (report.getValue("message") instanceof String m) {
      return m;
    }
    Object node = report.getValue("node");
    return node == null ? null : "node " + node;
  }

  /** 3.0 goes out as 3, so integer progress looks like what the tool reported. */
  private static Number compact(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? (Number) (long) value : (Number) value;
  }
}
