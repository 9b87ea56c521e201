package agentx.tools.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads ComfyUI's {@code /queue}: items are 5-element arrays {@code [number, prompt_id, prompt,
 * extra_data, outputs]}, and {@code queue_pending} is not sorted (it is a heap: lowest number runs first).
 */
final class QueueView {
  private final List<JsonArray> running;
  private final List<JsonArray> pending;

  QueueView(JsonObject queue) {
    running = items(queue.getJsonArray("queue_running"));
    pending = items(queue.getJsonArray("queue_pending"));
    pending.sort(Comparator.comparing((JsonArray item) -> PyValues.decimal(number(item)))
        .thenComparing(item -> String.valueOf(item.getValue(1))));
  }

  boolean isRunning(String promptId) {
    return running.stream().anyMatch(item -> promptId.equals(String.valueOf(item.getValue(1))));
  }

  /** 1-based position among pending prompts, or 0 when not pending. */
  int pendingPosition(String promptId) {
    for (int i = 0; i < pending.size(); i++) {
      if (promptId.equals(String.valueOf(pending.get(i).getValue(1)))) {
        return i + 1;
      }
    }
    return 0;
  }

  List<String> runningIds() {
    List<String> ids = new ArrayList<>();
    running.forEach(item -> ids.add(String.valueOf(item.getValue(1))));
    return ids;
  }

  /** Without the workflows themselves, which are large and already known. */
  JsonObject summary() {
    JsonArray run = new JsonArray();
    running.forEach(item -> run.add(describe(item)));
    JsonArray wait = new JsonArray();
    for (int i = 0; i < pending.size(); i++) {
      wait.add(describe(pending.get(i)).put("position", i + 1));
    }
    return new JsonObject().put("running", run).put("pending", wait)
        .put("running_count", run.size()).put("pending_count", wait.size());
  }

  private static JsonObject describe(JsonArray item) {
    JsonObject prompt = item.getValue(2) instanceof JsonObject p ? p : new JsonObject();
    JsonObject extra = item.getValue(3) instanceof JsonObject e ? e : new JsonObject();
    return new JsonObject().put("prompt_id", String.valueOf(item.getValue(1))).put("number", number(item))
        .put("node_count", prompt.size()).put("client_id", extra.getString("client_id"))
        .put("outputs", item.getValue(4) instanceof JsonArray outs ? outs : new JsonArray());
  }

  private static Object number(JsonArray item) {
    return item.getValue(0) instanceof Number n ? n : 0;
  }

  private static List<JsonArray> items(JsonArray list) {
    List<JsonArray> result = new ArrayList<>();
    if (list != null) {
      list.forEach(item -> {
        if (item instanceof JsonArray a && a.size() >= 2) {
          result.add(a);
        }
      });
    }
    return result;
  }
}
