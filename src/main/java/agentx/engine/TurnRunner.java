package agentx.engine;

import agentx.engine.anthropic.AnthropicClient;
import agentx.engine.anthropic.AnthropicException;
import agentx.engine.anthropic.StreamCall;
import agentx.engine.anthropic.StreamListener;
import agentx.protocol.Addresses;
import agentx.events.AgentXException;
import agentx.protocol.Bus;
import agentx.events.ErrorCode;
import agentx.events.Events;
import agentx.events.Times;
import agentx.protocol.ToolResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One turn: the user's message, then Claude calls and tool rounds until Claude stops asking for
 * tools, then the summary. Emits the four event layers in the order of DESIGN §4.2 and ends with
 * exactly one {@code turn} event whatever happens (completed, cancelled or failed).
 */
final class TurnRunner {
  private static final Logger log = LoggerFactory.getLogger(TurnRunner.class);

  private final Vertx vertx;
  private final AnthropicClient client;
  private final Pricing pricing;
  private final TurnSettings settings;
  private final String sessionId;
  private final String turnId;
  private final String content;
  private final EventLog events;
  private final String engineNode;

  private final long startedNanos = System.nanoTime();
  private final String userMessageId = UUID.randomUUID().toString();
  private final Promise<JsonObject> outcome = Promise.promise();
  private List<JsonObject> conversation = new ArrayList<>();
  private JsonArray tools = new JsonArray();
  private Set<String> toolNames = Set.of();

  private int llmCalls;
  private long inputTokens;
  private long outputTokens;
  private long cacheCreationTokens;
  private long cacheReadTokens;
  private double costUsd;
  private final JsonArray toolCalls = new JsonArray();
  private String lastAssistantId;
  private String lastAssistantText = "";
  private String stopReason;

  private StreamCall currentCall;
  private StringBuilder partialText = new StringBuilder();
  private final Map<String, Promise<ToolResult>> pendingTools = new LinkedHashMap<>();
  /** Set once the turn is asked to stop; {@link #stopFailure} says why when it is not a user's cancel. */
  private boolean stopping;
  private AgentXException stopFailure;
  private boolean finished;

  TurnRunner(Vertx vertx, AnthropicClient client, Pricing pricing, TurnSettings settings, String sessionId, String turnId,
      String content, EventLog events, String engineNode) {
    this.vertx = vertx;
    this.client = client;
    this.pricing = pricing;
    this.settings = settings;
    this.sessionId = sessionId;
    this.turnId = turnId;
    this.content = content;
    this.events = events;
    this.engineNode = engineNode;
  }

  /** Runs the turn; the future gives the AssistantReply, or fails with an {@link AgentXException} after the turn is closed. */
  Future<JsonObject> run() {
    JsonArray userBlocks = new JsonArray().add(new JsonObject().put("type", "text").put("text", content));
    JsonObject userMessage = message(userMessageId, "user", content, userBlocks, new JsonArray(), 0, 0, null, null);
    store(Addresses.STORE_MESSAGE_APPEND, userMessage)
        .compose(v -> store(Addresses.STORE_TURN_BEGIN, new JsonObject().put("turn_id", turnId).put("session_id", sessionId)
            .put("user_message_id", userMessageId).put("engine_node", engineNode).put("started_at", Times.now())))
        .compose(v -> {
          events.emit(Events.MESSAGE, eventData(userMessage));
          return Future.all(loadHistory(), loadTools());
        })
        .compose(v -> step())
        .onFailure(this::fail);
    return outcome.future();
  }

  /** Stops the turn: cancelled by a user ({@code reason} null) or failed with {@code reason} (e.g. the turn timeout). */
  void stop(AgentXException reason) {
    if (finished || stopping) {
      return;
    }
    stopping = true;
    stopFailure = reason;
    if (currentCall != null) {
      currentCall.cancel();
    }
    for (Map.Entry<String, Promise<ToolResult>> pending : new ArrayList<>(pendingTools.entrySet())) {
      vertx.eventBus().publish(Addresses.TOOLS_CANCEL, new JsonObject().put("call_id", pending.getKey()));
      pending.getValue().tryComplete(ToolResult.error("The tool call was cancelled because the turn was "
          + (reason == null ? "cancelled." : "stopped: " + reason.getMessage())));
    }
  }

  private Future<Void> loadHistory() {
    return Bus.request(vertx, Addresses.STORE_HISTORY, new JsonObject().put("session_id", sessionId))
        .map(h -> {
          conversation = Conversation.fromHistory(h.getJsonArray("messages"));
          return null;
        });
  }

  /** The tool registry may not run anywhere (no tools role): then Claude simply gets no tools. */
  private Future<Void> loadTools() {
    if (!settings.toolsEnabled()) {
      return Future.succeededFuture();
    }
    return Bus.request(vertx, Addresses.TOOLS_LIST, new JsonObject(), 10_000)
        .map(r -> {
          tools = r.getJsonArray("tools", new JsonArray());
          toolNames = tools.stream().map(t -> ((JsonObject) t).getString("name")).collect(Collectors.toSet());
          return (Void) null;
        })
        .otherwise(failure -> {
          log.debug("No tools for session {}: {}", sessionId, failure.getMessage());
          return null;
        });
  }

  // --- one Claude call ---

  private Future<Void> step() {
    if (stopping) {
      return Future.failedFuture("stopped");
    }
    llmCalls++;
    events.emit(Events.STATE, Events.state("thinking"));
    partialText = new StringBuilder();
    currentCall = client.stream(requestBody(), new Listener());
    return currentCall.result().compose(this::onAssistantMessage);
  }

  private final class Listener implements StreamListener {
    private boolean responding;

    @Override
    public void onTextDelta(String text) {
      if (stopping) {
        return;
      }
      if (!responding) {
        responding = true;
        events.emit(Events.STATE, Events.state("responding"));
      }
      partialText.append(text);
      events.emit(Events.STREAM, text);
    }

    @Override
    public void onThinkingDelta(String text) {
      if (settings.streamThinking() && !stopping) {
        events.emitThinking(text);
      }
    }

    @Override
    public void onRetry(int attempt, int maxRetries, long delayMs, String reason) {
      events.emit(Events.STATE, Events.state("retrying", null, null, new JsonObject()
          .put("attempt", attempt).put("max", maxRetries).put("delay_ms", delayMs).put("reason", reason)));
    }
  }

  JsonObject requestBody() {
    List<JsonObject> messages = Conversation.fit(conversation, contextBudget());
    JsonObject body = new JsonObject()
        .put("model", settings.model())
        .put("max_tokens", settings.maxTokens())
        .put("messages", new JsonArray(messages));
    if (settings.system() != null && !settings.system().isBlank()) {
      body.put("system", new JsonArray().add(new JsonObject().put("type", "text").put("text", settings.system())
          .put("cache_control", new JsonObject().put("type", "ephemeral"))));
    }
    if (!tools.isEmpty()) {
      JsonArray claudeTools = new JsonArray();
      for (int i = 0; i < tools.size(); i++) {
        JsonObject t = tools.getJsonObject(i);
        JsonObject tool = new JsonObject().put("name", t.getString("name")).put("description", t.getString("description"))
            .put("input_schema", t.getJsonObject("input_schema"));
        if (i == tools.size() - 1) {
          tool.put("cache_control", new JsonObject().put("type", "ephemeral"));
        }
        claudeTools.add(tool);
      }
      body.put("tools", claudeTools);
    }
    if (settings.thinkingBudgetTokens() != null) {
      body.put("thinking", new JsonObject().put("type", "enabled").put("budget_tokens", settings.thinkingBudgetTokens()));
    } else if (settings.temperature() != null) {
      body.put("temperature", settings.temperature());
    }
    return body;
  }

  private long contextBudget() {
    long fixed = Conversation.estimateTokens(settings.system()) + Conversation.estimateTokens(tools) + settings.maxTokens();
    return Math.max(1_000, (long) (settings.contextWindowTokens() * 0.9) - fixed);
  }

  private Future<Void> onAssistantMessage(JsonObject message) {
    currentCall = null;
    JsonObject usage = message.getJsonObject("usage", new JsonObject());
    long in = usage.getLong("input_tokens", 0L);
    long out = usage.getLong("output_tokens", 0L);
    long cacheWrite = usage.getLong("cache_creation_input_tokens", 0L);
    long cacheRead = usage.getLong("cache_read_input_tokens", 0L);
    inputTokens += in;
    outputTokens += out;
    cacheCreationTokens += cacheWrite;
    cacheReadTokens += cacheRead;
    costUsd += pricing.cost(message.getString("model", settings.model()), in, out, cacheWrite, cacheRead);

    JsonArray blocks = message.getJsonArray("content", new JsonArray());
    List<JsonObject> toolUses = blocks.stream().map(b -> (JsonObject) b).filter(b -> "tool_use".equals(b.getString("type"))).toList();
    JsonArray calls = new JsonArray();
    for (JsonObject use : toolUses) {
      events.emit(Events.STATE, Events.state("calling_tool", use.getString("name"), use.getString("id"), null));
      calls.add(new JsonObject().put("id", use.getString("id")).put("name", use.getString("name")).put("arguments", use.getJsonObject("input")));
    }
    stopReason = message.getString("stop_reason");
    lastAssistantId = UUID.randomUUID().toString();
    lastAssistantText = textOf(blocks);
    JsonObject assistant = message(lastAssistantId, "assistant", lastAssistantText, blocks, calls, in, out, stopReason,
        message.getString("model"));
    conversation.add(new JsonObject().put("role", "assistant").put("content", blocks));
    return store(Addresses.STORE_MESSAGE_APPEND, assistant).compose(v -> {
      events.emit(Events.MESSAGE, eventData(assistant));
      if (!"tool_use".equals(stopReason) || toolUses.isEmpty()) {
        return complete();
      }
      return runTools(toolUses).compose(v2 -> {
        if (stopping) {
          return Future.failedFuture("stopped");
        }
        if (llmCalls >= settings.maxLlmCalls()) {
          stopReason = "max_llm_calls";
          log.info("Turn {} reached its cap of {} Claude calls", turnId, settings.maxLlmCalls());
          return complete();
        }
        return step();
      });
    });
  }

  // --- tools ---

  /** Runs every tool_use of the message at once; ALL results go back in ONE user message. */
  private Future<Void> runTools(List<JsonObject> toolUses) {
    List<Future<ToolResult>> results = new ArrayList<>();
    for (JsonObject use : toolUses) {
      results.add(callTool(use).onSuccess(result -> events.emit(Events.STATE, Events.state("tool_result",
          use.getString("name"), use.getString("id"), new JsonObject().put("ok", !result.isError())))));
    }
    return Future.join(results).transform(done -> {
      JsonArray resultBlocks = new JsonArray();
      JsonArray calls = new JsonArray();
      for (int i = 0; i < toolUses.size(); i++) {
        JsonObject use = toolUses.get(i);
        ToolResult result = results.get(i).result();
        resultBlocks.add(new JsonObject()
            .put("type", "tool_result")
            .put("tool_use_id", use.getString("id"))
            .put("content", claudeContent(result))
            .put("is_error", result.isError()));
        String text = textOfResult(result);
        JsonObject call = new JsonObject().put("id", use.getString("id")).put("name", use.getString("name"))
            .put("arguments", use.getJsonObject("input"))
            .put("result", result.isError() ? null : parsedOrText(text))
            .put("error", result.isError() ? text : null);
        calls.add(call);
        toolCalls.add(call);
      }
      JsonObject resultsMessage = message(UUID.randomUUID().toString(), "user", "", resultBlocks, calls, 0, 0, null, null);
      conversation.add(new JsonObject().put("role", "user").put("content", resultBlocks));
      return store(Addresses.STORE_MESSAGE_APPEND, resultsMessage)
          .onSuccess(v -> events.emit(Events.MESSAGE, eventData(resultsMessage)));
    });
  }

  private Future<ToolResult> callTool(JsonObject use) {
    String name = use.getString("name");
    String callId = use.getString("id");
    if (!toolNames.contains(name)) {
      return Future.succeededFuture(ToolResult.error("Unknown tool '" + name + "'. Available tools: "
          + (toolNames.isEmpty() ? "none" : String.join(", ", toolNames.stream().sorted().toList())) + "."));
    }
    Promise<ToolResult> promise = Promise.promise();
    pendingTools.put(callId, promise);
    JsonObject request = new JsonObject()
        .put("name", name)
        .put("arguments", use.getJsonObject("input", new JsonObject()))
        .put("session_id", sessionId)
        .put("turn_id", turnId)
        .put("call_id", callId)
        .put("progress_address", Addresses.turnProgress(sessionId));
    Bus.request(vertx, Addresses.TOOLS_CALL, request, settings.toolTimeoutMs() + 5_000)
        .map(ToolResult::fromJson)
        .otherwise(failure -> ToolResult.error("The tool " + name + " could not run: " + failure.getMessage()))
        .onComplete(done -> promise.tryComplete(done.result()));
    return promise.future().onComplete(done -> pendingTools.remove(callId));
  }

  /** A tool reports progress (e.g. ComfyUI steps) while it runs: a {@code calling_tool} state with it. */
  void onToolProgress(JsonObject progress) {
    if (!finished && pendingTools.containsKey(progress.getString("call_id"))) {
      events.emit(Events.STATE, Events.state("calling_tool", progress.getString("tool_name"), progress.getString("call_id"),
          progress.getJsonObject("progress")));
    }
  }

  /** MCP content blocks → Claude tool_result content (text and base64 image blocks). */
  private static JsonArray claudeContent(ToolResult result) {
    JsonArray out = new JsonArray();
    for (Object o : result.content()) {
      JsonObject block = (JsonObject) o;
      if ("image".equals(block.getString("type"))) {
        out.add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
            .put("media_type", block.getString("mimeType", "image/png")).put("data", block.getString("data"))));
      } else {
        out.add(new JsonObject().put("type", "text").put("text", block.getString("text", "")));
      }
    }
    if (out.isEmpty()) {
      out.add(new JsonObject().put("type", "text").put("text", result.isError() ? "error" : "done"));
    }
    return out;
  }

  private static String textOfResult(ToolResult result) {
    return result.content().stream().map(b -> (JsonObject) b).filter(b -> "text".equals(b.getString("type")))
        .map(b -> b.getString("text", "")).collect(Collectors.joining("\n"));
  }

  private static Object parsedOrText(String text) {
    try {
      return Json.decodeValue(text);
    } catch (DecodeException e) {
      return text;
    }
  }

  // --- the end of a turn, exactly once ---

  private Future<Void> complete() {
    return finish("completed", "done", null).onSuccess(summary -> outcome.tryComplete(reply())).mapEmpty();
  }

  private void fail(Throwable failure) {
    if (finished) {
      return;
    }
    if (stopping && stopFailure == null) {
      savePartialAnswer()
          .transform(v -> finish("cancelled", "cancelled", null))
          .onComplete(done -> outcome.tryComplete(reply()));
      return;
    }
    AgentXException error = stopFailure != null ? stopFailure : toAgentX(failure);
    if (error.code() == ErrorCode.INTERNAL) {
      log.error("Turn {} of session {} failed", turnId, sessionId, failure);
    } else {
      log.warn("Turn {} of session {} failed: {} {}", turnId, sessionId, error.code(), error.getMessage());
    }
    finish("failed", "error", error).onComplete(done -> outcome.tryFail(error));
  }

  /** A cancelled stream keeps what the user already saw: the streamed text, with stop_reason "cancelled". */
  private Future<Void> savePartialAnswer() {
    if (partialText.length() == 0) {
      stopReason = "cancelled";
      return Future.succeededFuture();
    }
    stopReason = "cancelled";
    lastAssistantId = UUID.randomUUID().toString();
    lastAssistantText = partialText.toString();
    JsonArray blocks = new JsonArray().add(new JsonObject().put("type", "text").put("text", lastAssistantText));
    JsonObject assistant = message(lastAssistantId, "assistant", lastAssistantText, blocks, new JsonArray(), 0, 0, "cancelled",
        settings.model());
    return store(Addresses.STORE_MESSAGE_APPEND, assistant).onSuccess(v -> events.emit(Events.MESSAGE, eventData(assistant)));
  }

  private Future<JsonObject> finish(String status, String finalState, AgentXException error) {
    if (finished) {
      return Future.failedFuture("already finished");
    }
    finished = true;
    currentCall = null;
    if (error != null) {
      events.emit(Events.STATE, Events.errorState(error.code(), error.getMessage()));
    } else {
      events.emit(Events.STATE, Events.state(finalState));
    }
    JsonObject summary = new JsonObject()
        .put("turn_id", turnId)
        .put("user_message_id", userMessageId)
        .put("assistant_message_id", lastAssistantId)
        .put("total_tokens", inputTokens + outputTokens)
        .put("duration_ms", (System.nanoTime() - startedNanos) / 1_000_000)
        .put("status", status)
        .put("input_tokens", inputTokens)
        .put("output_tokens", outputTokens)
        .put("cache_creation_input_tokens", cacheCreationTokens)
        .put("cache_read_input_tokens", cacheReadTokens)
        .put("cost_usd", costUsd)
        .put("llm_calls", llmCalls)
        .put("tool_calls", toolCalls.size())
        .put("stop_reason", error != null ? "error" : stopReason);
    if (error != null) {
      summary.put("error_code", error.code().name()).put("error_message", error.getMessage());
    }
    JsonObject record = summary.copy().put("session_id", sessionId).put("session_state", error != null ? "error" : "idle");
    return store(Addresses.STORE_TURN_FINISH, record)
        .onFailure(e -> log.error("Could not record the end of turn {}: {}", turnId, e.getMessage()))
        .transform(v -> {
          events.emit(Events.TURN, summary);
          return events.drain();
        })
        .map(v -> summary);
  }

  private JsonObject reply() {
    return new JsonObject()
        .put("message_id", lastAssistantId)
        .put("role", "assistant")
        .put("content", lastAssistantText)
        .put("tool_calls", toolCalls)
        .put("input_tokens", inputTokens)
        .put("output_tokens", outputTokens)
        .put("turn_id", turnId)
        .put("session_id", sessionId)
        .put("stop_reason", stopReason)
        .put("timestamp", Times.now());
  }

  // --- helpers ---

  private JsonObject message(String id, String role, String text, JsonArray blocks, JsonArray calls, long in, long out,
      String stop, String model) {
    return new JsonObject()
        .put("message_id", id)
        .put("session_id", sessionId)
        .put("turn_id", turnId)
        .put("role", role)
        .put("content", text)
        .put("blocks", blocks)
        .put("tool_calls", calls)
        .put("input_tokens", in)
        .put("output_tokens", out)
        .put("stop_reason", stop)
        .put("model", model)
        .put("timestamp", Times.now());
  }

  /** The {@code message} event's data: the stored message without its routing fields. */
  private static JsonObject eventData(JsonObject message) {
    JsonObject data = message.copy();
    data.remove("session_id");
    data.remove("turn_id");
    return data;
  }

  private static String textOf(JsonArray blocks) {
    return blocks.stream().map(b -> (JsonObject) b).filter(b -> "text".equals(b.getString("type")))
        .map(b -> b.getString("text", "")).collect(Collectors.joining());
  }

  private Future<Void> store(String address, JsonObject body) {
    return Bus.request(vertx, address, body).mapEmpty();
  }

  /** Upstream failures in the error vocabulary of DESIGN §4.1. */
  static AgentXException toAgentX(Throwable failure) {
    if (failure instanceof AgentXException e) {
      return e;
    }
    if (failure instanceof AnthropicException e) {
      return switch (e.kind()) {
        case RATE_LIMITED -> new AgentXException(ErrorCode.LLM_RATE_LIMITED, "Claude's rate limit was reached: " + e.getMessage(),
            e.retryAfterMs() == null ? null : new JsonObject().put("retry_after_s", Math.max(1, (e.retryAfterMs() + 999) / 1000)));
        case OVERLOADED -> new AgentXException(ErrorCode.LLM_OVERLOADED, "Claude is overloaded right now; try again shortly. (" + e.getMessage() + ")");
        case TIMEOUT -> new AgentXException(ErrorCode.TIMEOUT, "Claude did not answer in time: " + e.getMessage());
        default -> new AgentXException(ErrorCode.LLM_ERROR, "The call to Claude failed: " + e.getMessage());
      };
    }
    return new AgentXException(ErrorCode.of(failure), failure.getMessage() == null ? failure.toString() : failure.getMessage());
  }
}
