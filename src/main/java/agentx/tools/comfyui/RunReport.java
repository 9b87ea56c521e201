package agentx.tools.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What happened to a prompt, from its {@code /history} entry or from the {@code /ws} events seen
 * while waiting: status, output files ({@code filename/subfolder/type}, ready for {@code /view})
 * and, for a failure, the failing node with the exception and the end of the traceback.
 */
final class RunReport {
  static final int TRACEBACK_LINES = 8;

  private RunReport() {}

  /** Report from a HistoryEntry ({@code prompt, outputs, status, meta}). */
  static JsonObject fromHistory(String promptId, JsonObject entry) {
    JsonObject status = entry.getJsonObject("status", new JsonObject());
    JsonObject failure = null;
    boolean interrupted = false;
    for (Object m : status.getJsonArray("messages", new JsonArray())) {
      if (m instanceof JsonArray pair && pair.size() == 2) {
        if ("execution_error".equals(pair.getValue(0))) {
          failure = pair.getJsonObject(1);
        } else if ("execution_interrupted".equals(pair.getValue(0))) {
          interrupted = true;
        }
      }
    }
    String state = "success".equals(status.getString("status_str")) ? "success"
        : interrupted ? "interrupted" : failure != null || "error".equals(status.getString("status_str")) ? "error"
            : "unknown";
    return report(promptId, state, entry.getJsonObject("outputs", new JsonObject()), failure);
  }

  /** Report from WebSocket events when no history entry could be read. */
  static JsonObject fromEvents(String promptId, String state, JsonObject outputs, JsonObject failure) {
    return report(promptId, state, outputs, failure);
  }

  private static JsonObject report(String promptId, String state, JsonObject outputs, JsonObject failure) {
    JsonObject report = new JsonObject().put("prompt_id", promptId).put("status", state).put("outputs", files(outputs));
    if (failure != null && "error".equals(state)) {
      // Not "error": ToolResult.error puts its sentence there.
      report.put("failure", diagnosis(failure));
    }
    return report;
  }

  /** Every {filename, subfolder, type} entry of every output node, whatever its key (images, gifs, audio...). */
  static JsonArray files(JsonObject outputs) {
    JsonArray files = new JsonArray();
    if (outputs == null) {
      return files;
    }
    outputs.forEach(node -> {
      if (!(node.getValue() instanceof JsonObject ui)) {
        return;
      }
      ui.forEach(kind -> {
        if (kind.getValue() instanceof JsonArray list) {
          for (Object item : list) {
            if (item instanceof JsonObject f && f.getValue("filename") instanceof String name) {
              files.add(new JsonObject().put("node_id", node.getKey()).put("kind", kind.getKey())
                  .put("filename", name).put("subfolder", f.getString("subfolder", ""))
                  .put("type", f.getString("type", "output")));
            }
          }
        }
      });
    });
    return files;
  }

  /** The failing node, the exception, the end of the traceback and, when the cause is a known one, a hint. */
  static JsonObject diagnosis(JsonObject event) {
    String message = event.getString("exception_message", "").strip();
    JsonObject diagnosis = new JsonObject()
        .put("node_id", event.getValue("node_id") == null ? null : String.valueOf(event.getValue("node_id")))
        .put("class_type", event.getString("node_type"))
        .put("exception_type", event.getString("exception_type"))
        .put("exception_message", message)
        .put("traceback_tail", tracebackTail(event.getJsonArray("traceback", new JsonArray())))
        .put("executed_before_failure", event.getJsonArray("executed", new JsonArray()));
    String hint = ExecutionErrorHints.hintFor(event.getString("exception_type"), message);
    if (hint != null) {
      diagnosis.put("hint", hint);
    }
    return diagnosis;
  }

  static String sentence(JsonObject diagnosis) {
    return "ComfyUI ran the workflow but node " + diagnosis.getString("node_id") + " ("
        + diagnosis.getString("class_type") + ") failed with " + diagnosis.getString("exception_type") + ": "
        + firstLine(diagnosis.getString("exception_message"));
  }

  private static JsonArray tracebackTail(JsonArray frames) {
    List<String> lines = new ArrayList<>();
    for (Object frame : frames) {
      for (String line : String.valueOf(frame).split("\n")) {
        if (!line.isBlank()) {
          lines.add(line.stripTrailing());
        }
      }
    }
    return new JsonArray(new ArrayList<>(lines.subList(Math.max(0, lines.size() - TRACEBACK_LINES), lines.size())));
  }

  private static String firstLine(String text) {
    String t = text == null ? "" : text.strip();
    int newline = t.indexOf('\n');
    return newline < 0 ? t : t.substring(0, newline);
  }
}
