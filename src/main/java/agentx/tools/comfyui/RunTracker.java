package agentx.tools.comfyui;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Follows one prompt through ComfyUI's {@code /ws} messages. Messages can arrive before
 * {@code POST /prompt} has answered with the prompt id, so they are kept until the id is known;
 * after that only messages of this prompt count (status messages are broadcast to every client,
 * and other runs share the server). The run ends with {@code execution_success},
 * {@code execution_error}, {@code execution_interrupted} or {@code executing {node: null}}.
 */
final class RunTracker {
  private static final int MAX_EARLY = 10_000;

  private final Consumer<JsonObject> progress;
  private final List<JsonObject> early = new ArrayList<>();
  private final JsonObject outputs = new JsonObject();
  private final Promise<String> finished = Promise.promise();
  private String promptId;
  private JsonObject failure;

  /** @param progress receives {@code {value, max, node}} for each sampler step (or other progress bar) */
  RunTracker(Consumer<JsonObject> progress) {
    this.progress = progress;
  }

  /** Completes with success, error, interrupted or finished (when only the end signal was seen). */
  Future<String> finished() {
    return finished.future();
  }

  synchronized void onMessage(JsonObject message) {
    if (promptId == null) {
      if (early.size() < MAX_EARLY) {
        early.add(message);
      }
      return;
    }
    handle(message);
  }

  synchronized void promptQueued(String id) {
    promptId = id;
    early.forEach(this::handle);
    early.clear();
  }

  synchronized JsonObject outputs() {
    return outputs.copy();
  }

  synchronized JsonObject failure() {
    return failure;
  }

  private void handle(JsonObject message) {
    JsonObject data = message.getValue("data") instanceof JsonObject d ? d : new JsonObject();
    if (!promptId.equals(data.getValue("prompt_id"))) {
      return;
    }
    switch (String.valueOf(message.getValue("type"))) {
      case "progress" -> progress.accept(new JsonObject()
          .put("value", data.getValue("value")).put("max", data.getValue("max")).put("node", data.getValue("node")));
      case "executed" -> {
        if (data.getValue("node") != null && data.getValue("output") instanceof JsonObject output) {
          outputs.put(String.valueOf(data.getValue("node")), output);
        }
      }
      case "execution_success" -> finished.tryComplete("success");
      case "execution_error" -> {
        failure = data;
        finished.tryComplete("error");
      }
      case "execution_interrupted" -> finished.tryComplete("interrupted");
      case "executing" -> {
        if (data.containsKey("node") && data.getValue("node") == null) {
          finished.tryComplete("finished");
        }
      }
      default -> {
        // status, progress_state, execution_start/cached and custom types carry nothing we report
      }
    }
  }
}
