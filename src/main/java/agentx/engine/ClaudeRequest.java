package agentx.engine;

import agentx.engine.anthropic.RequestEncoding;
import agentx.protocol.ToolSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The body of one Messages API call of a turn: model, the conversation, system prompt, tools, the
 * model-dependent fields {@link agentx.models.RequestShaper} chose for the model (thinking, effort,
 * temperature), so a model never receives a field it refuses, and the server-side context editing
 * where the model has it. {@link ContextFit} decides how much of the conversation goes in.
 */
final class ClaudeRequest {
  /** The beta that enables {@code context_management} (context editing). */
  static final String CONTEXT_MANAGEMENT_BETA = "context-management-2025-06-27";
  static final String CLEAR_TOOL_USES = "clear_tool_uses_20250919";
  /** Tool uses the server keeps when it clears (the API's own default, said out loud). */
  static final int KEEP_TOOL_USES = 3;
  /** Top-level fields {@code count_tokens} takes from a message request; the rest (max_tokens, stream, sampling) it refuses. */
  private static final List<String> COUNTED_FIELDS = List.of("model", "messages", "system", "tools");

  private ClaudeRequest() {}

  /** The body with the conversation fitted by the local estimate alone ({@link #contextBudget}). */
  static JsonObject build(TurnSettings settings, List<JsonObject> conversation, List<ToolSpec> tools) {
    return body(settings, Conversation.fit(conversation, contextBudget(settings, tools)), tools);
  }

  /** The body with exactly these messages (already fitted, or known to fit). */
  static JsonObject body(TurnSettings settings, List<JsonObject> messages, List<ToolSpec> tools) {
    JsonObject body = new JsonObject()
        .put("model", settings.model())
        .put("max_tokens", settings.maxTokens())
        .put("messages", new JsonArray(messages));
    body.mergeIn(settings.request().fields().copy());
    if (settings.system() != null && !settings.system().isBlank()) {
      // prompt caching: the system prompt and the tool list (its last entry) are cache breakpoints
      body.put("system", SystemForm.of(settings.system()));
    }
    if (!tools.isEmpty()) {
      body.put("tools", ToolsForm.of(tools).claude());
    }
    if (settings.contextEditing()) {
      body.put("context_management", contextManagement(settings));
    }
    return body;
  }

  /**
   * Server-side tool-result clearing once the prompt passes half the window: older tool results (the
   * bulk of a ComfyUI session: node lists, workflows) are cleared by the API, which keeps the cached
   * prefix until then, long before {@link Conversation#fit} would cut whole turns near the window. The
   * stored history stays complete; the API edits only what the model sees.
   */
  static JsonObject contextManagement(TurnSettings settings) {
    return new JsonObject().put("edits", new JsonArray().add(new JsonObject()
        .put("type", CLEAR_TOOL_USES)
        .put("trigger", new JsonObject().put("type", "input_tokens").put("value", settings.contextWindowTokens() / 2))
        .put("keep", new JsonObject().put("type", "tool_uses").put("value", KEEP_TOOL_USES))));
  }

  /** The {@code anthropic-beta} values a request of these settings needs. */
  static List<String> betas(TurnSettings settings) {
    return settings.contextEditing() ? List.of(CONTEXT_MANAGEMENT_BETA) : List.of();
  }

  /**
   * What {@code count_tokens} is asked about: the request's model, system, tools and messages. Without
   * {@code context_management}, so the count is of the whole prompt, before any server-side clearing.
   */
  static JsonObject countBody(JsonObject body) {
    JsonObject count = new JsonObject();
    COUNTED_FIELDS.stream().filter(body::containsKey).forEach(f -> count.put(f, body.getValue(f)));
    return count;
  }

  private static JsonObject ephemeral() {
    return new JsonObject().put("type", "ephemeral");
  }

  /**
   * Newer tokenizers (Opus 4.7 and later, the 5.x models) count about 30% more tokens for the same text
   * than the 4-characters-a-token estimate assumes; the estimate is scaled up by this much so a long
   * history is cut before the API would answer "prompt is too long", whatever the model.
   */
  static final double TOKENIZER_MARGIN = 1.35;

  /**
   * Tokens (in {@link Conversation#estimateTokens} units) the conversation may take: most of the
   * window, less the system prompt, the tools and the answer's room.
   */
  static long contextBudget(TurnSettings settings, List<ToolSpec> tools) {
    long fixed = Conversation.estimateTokens(settings.system()) + ToolsForm.of(tools).estimate();
    long room = (long) ((settings.contextWindowTokens() * 0.9 - settings.maxTokens()) / TOKENIZER_MARGIN) - fixed;
    return Math.max(1_000, room);
  }

  /**
   * The system prompt as the Messages API takes it (a text block, a cache breakpoint), for the last
   * {@value #KEPT} prompts used: the same object for every request with that prompt, encoded once
   * ({@link RequestEncoding}). Never changed once built. Sessions with prompts of their own share the
   * engine: one used again after more than {@value #KEPT} others is built and encoded again, which is
   * what encoding it with its request would cost, and touches no other prompt's or tool list's bytes.
   */
  private static final class SystemForm {
    static final int KEPT = 64;
    private static final Map<String, JsonArray> FORMS = new LinkedHashMap<>(KEPT * 2, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, JsonArray> eldest) {
        return size() > KEPT;
      }
    };

    static synchronized JsonArray of(String text) {
      return FORMS.computeIfAbsent(text, t -> RequestEncoding.encodedOnce(
          new JsonArray().add(new JsonObject().put("type", "text").put("text", t).put("cache_control", ephemeral()))));
    }
  }

  /**
   * A tool list as the Messages API takes it, and its token estimate, for the last list seen. Turns get
   * the same list object while the registry is unchanged ({@code ToolsClient}), so they share one: a
   * thousand turns waiting for a connection to Claude held 18 tool objects each, and each estimate
   * built them again. Never changed once built (requests are encoded from it, never edited).
   */
  private record ToolsForm(List<ToolSpec> specs, JsonArray claude, long estimate) {
    private static final AtomicReference<ToolsForm> LAST = new AtomicReference<>();

    static ToolsForm of(List<ToolSpec> tools) {
      ToolsForm last = LAST.get();
      if (last != null && last.specs == tools) {
        return last;
      }
      JsonArray claude = new JsonArray();
      JsonArray specs = new JsonArray();
      for (int i = 0; i < tools.size(); i++) {
        ToolSpec t = tools.get(i);
        JsonObject tool = new JsonObject().put("name", t.name()).put("description", t.description()).put("input_schema", t.inputSchema());
        if (i == tools.size() - 1) {
          // prompt caching: the tool list's last entry is a cache breakpoint
          tool.put("cache_control", ephemeral());
        }
        claude.add(tool);
        specs.add(t.toJson());
      }
      ToolsForm form = new ToolsForm(tools, RequestEncoding.encodedOnce(claude), Conversation.estimateTokens(specs));
      LAST.set(form);
      return form;
    }
  }
}
