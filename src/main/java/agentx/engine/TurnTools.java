package agentx.engine;

import agentx.events.Events;
import agentx.protocol.Addresses;
import agentx.protocol.ToolCall;
import agentx.protocol.ToolProgress;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import agentx.protocol.ToolsClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tools of one turn: the registry as loaded at its start, the calls of each round (all at once,
 * results in ONE message), their progress, and cancelling what still runs.
 */
final class TurnTools {
  private static final Logger log = LoggerFactory.getLogger(TurnTools.class);
  private static final long LIST_TIMEOUT_MS = 10_000;
  private static final long CALL_MARGIN_MS = 5_000;

  /** One round's outcome: the {@code tool_result} blocks for Claude and the calls as clients see them. */
  record Round(JsonArray resultBlocks, JsonArray calls) {}

  private final ToolsClient tools;
  private final String sessionId;
  private final String turnId;
  private final EventLog events;
  private final long toolTimeoutMs;
  private List<ToolSpec> specs = List.of();
  private Set<String> names = Set.of();
  private final Map<String, Promise<ToolResult>> pending = new LinkedHashMap<>();
  private boolean closed;

  TurnTools(ToolsClient tools, String sessionId, String turnId, EventLog events, long toolTimeoutMs) {
    this.tools = tools;
    this.sessionId = sessionId;
    this.turnId = turnId;
    this.events = events;
    this.toolTimeoutMs = toolTimeoutMs;
  }

  /**
   * Loads the registry. When the tools service runs nowhere the turn goes on without tools, and the
   * client is told so with a {@code state} warning, not only a log line.
   */
  Future<Void> load() {
    return tools.list(LIST_TIMEOUT_MS)
        .map(listing -> {
          specs = listing.tools();
          names = specs.stream().map(ToolSpec::name).collect(Collectors.toSet());
          return (Void) null;
        })
        .otherwise(failure -> {
          log.warn("Turn {} of session {} runs without tools: {}", turnId, sessionId, failure.getMessage());
          events.emit(Events.STATE, Events.state("warning", null, null, new JsonObject()
              .put("code", agentx.events.ErrorCode.of(failure).name())
              .put("message", "No tools are available for this turn: " + failure.getMessage())));
          return null;
        });
  }

  List<ToolSpec> specs() {
    return specs;
  }

  /**
   * Runs the given tool_uses at once; each result is handed to {@code record} (the store) before its
   * future completes, so a turn resumed later never runs a finished call again.
   *
   * @param startedBefore the ids of the calls that had started when the turn's engine stopped: each goes
   *     to its tool as resumed, and only a tool that resumes safely runs it again
   */
  Future<List<ToolResult>> run(List<JsonObject> toolUses, Set<String> startedBefore,
      BiFunction<JsonObject, ToolResult, Future<Void>> record) {
    List<Future<ToolResult>> results = new ArrayList<>();
    for (JsonObject use : toolUses) {
      results.add(call(use, startedBefore.contains(use.getString("id")))
          .compose(result -> record.apply(use, result).map(result))
          .onSuccess(result -> events.emit(Events.STATE, Events.state("tool_result",
              use.getString("name"), use.getString("id"), new JsonObject().put("ok", !result.isError())))));
    }
    return Future.all(results).map(done -> results.stream().map(Future::result).toList());
  }

  /** The round as Claude and the clients get it: ALL results of the round, in the order of the calls. */
  static Round round(List<JsonObject> toolUses, Map<String, ToolResult> results) {
    JsonArray blocks = new JsonArray();
    JsonArray calls = new JsonArray();
    for (JsonObject use : toolUses) {
      ToolResult result = results.get(use.getString("id"));
      blocks.add(ToolResultMapping.resultBlock(use.getString("id"), result));
      calls.add(ToolResultMapping.call(use, result));
    }
    return new Round(blocks, calls);
  }

  private Future<ToolResult> call(JsonObject use, boolean resumed) {
    String name = use.getString("name");
    String callId = use.getString("id");
    if (!names.contains(name)) {
      return Future.succeededFuture(ToolResult.error("Unknown tool '" + name + "'. Available tools: "
          + (names.isEmpty() ? "none" : String.join(", ", names.stream().sorted().toList())) + "."));
    }
    Promise<ToolResult> promise = Promise.promise();
    pending.put(callId, promise);
    ToolCall request = new ToolCall(name, use.getJsonObject("input", new JsonObject()), sessionId, turnId, callId,
        Addresses.turnProgress(sessionId), resumed);
    tools.call(request, toolTimeoutMs + CALL_MARGIN_MS)
        .otherwise(failure -> ToolResult.error("The tool " + name + " could not run: " + failure.getMessage()))
        .onComplete(done -> promise.tryComplete(done.result()));
    return promise.future().onComplete(done -> pending.remove(callId));
  }

  /** A tool reports progress (e.g. ComfyUI steps) while it runs: a {@code calling_tool} state with it. */
  void onProgress(ToolProgress progress) {
    if (!closed && pending.containsKey(progress.callId())) {
      events.emit(Events.STATE, Events.state("calling_tool", progress.toolName(), progress.callId(), progress.progress()));
    }
  }

  /** Aborts every running call (wherever it runs) and answers it with {@code why} at once. */
  void cancelAll(String why) {
    for (Map.Entry<String, Promise<ToolResult>> call : new ArrayList<>(pending.entrySet())) {
      tools.cancel(call.getKey());
      call.getValue().tryComplete(ToolResult.error(why));
    }
  }

  /**
   * Uploads the message's images to ComfyUI's input folder (through the tools service's
   * upload_image), so a LoadImage node can use them, and answers the blocks with a text note after
   * each image naming the file, or saying why it could not be uploaded.
   */
  Future<JsonArray> uploadAttachments(JsonArray blocks) {
    List<Future<JsonObject>> notes = new ArrayList<>();
    int n = 0;
    for (int i = 0; i < blocks.size(); i++) {
      JsonObject block = blocks.getJsonObject(i);
      if (!"image".equals(block.getString("type"))) {
        notes.add(Future.succeededFuture(null));
        continue;
      }
      n++;
      JsonObject source = block.getJsonObject("source", new JsonObject());
      String extension = switch (source.getString("media_type", "image/png")) {
        case "image/jpeg" -> ".jpg";
        case "image/gif" -> ".gif";
        case "image/webp" -> ".webp";
        default -> ".png";
      };
      String filename = "agentx-" + turnId.substring(0, 8) + "-" + n + extension;
      ToolCall upload = new ToolCall("upload_image", new JsonObject().put("filename", filename).put("data_base64", source.getString("data"))
          .put("overwrite", true), sessionId, turnId, "upload-" + turnId + "-" + n, null);
      int number = n;
      notes.add(tools.call(upload, toolTimeoutMs + CALL_MARGIN_MS)
          .map(result -> {
            String text = result.content().isEmpty() ? "" : result.content().getJsonObject(0).getString("text", "");
            if (result.isError()) {
              return note("(Attached image " + number + " could not be put in ComfyUI's input folder: " + text + ")");
            }
            String name = new JsonObject(text).getString("use_as", filename);
            return note("(Attached image " + number + " is in ComfyUI's input folder as '" + name + "': a LoadImage node can use it.)");
          })
          .otherwise(e -> note("(Attached image " + number + " could not be put in ComfyUI's input folder: " + e.getMessage() + ")")));
    }
    return Future.join(notes).map(done -> {
      JsonArray out = new JsonArray();
      for (int i = 0; i < blocks.size(); i++) {
        out.add(blocks.getJsonObject(i));
        JsonObject note = notes.get(i).result();
        if (note != null) {
          out.add(note);
        }
      }
      return out;
    });
  }

  private static JsonObject note(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  /** No more progress events: the turn is closing. */
  void close() {
    closed = true;
  }
}
