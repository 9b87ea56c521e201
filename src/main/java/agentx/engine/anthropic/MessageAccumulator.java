package agentx.engine.anthropic;

import agentx.events.JsonText;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the final assistant message from the events of a Messages API stream, like the official
 * SDKs' MessageStream: a pure state machine, fed one {@link SseEvent} at a time.
 */
public final class MessageAccumulator {

  /** Streaming callbacks, called while events are accepted. */
  public interface Listener {
    default void onMessageStart(JsonObject message) {}

    default void onTextDelta(String text) {}

    default void onThinkingDelta(String text) {}

    default void onToolUseStart(String id, String name) {}

    /** A piece of a tool call's input JSON ({@code input_json_delta}). */
    default void onToolInputDelta(String partialJson) {}
  }

  private static final Listener SILENT = new Listener() {};

  private static final String[] USAGE_FIELDS = {
    "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"
  };

  private final Listener listener;
  private final JsonObject usage = new JsonObject();
  /** What the API's context editing did to the prompt ({@code applied_edits}), when the request asked for it. */
  private JsonObject contextManagement;
  // content_block events address blocks by index; a TreeMap keeps them in index order
  private final Map<Integer, Block> blocks = new TreeMap<>();
  private String id;
  private String role = "assistant";
  private String model;
  private String stopReason;
  private String stopSequence;
  private boolean complete;
  private boolean receivedContent;

  public MessageAccumulator() {
    this(SILENT);
  }

  public MessageAccumulator(Listener listener) {
    this.listener = listener;
    for (String field : USAGE_FIELDS) {
      usage.put(field, 0);
    }
  }

  /**
   * Applies one event.
   *
   * @throws AnthropicException for an {@code error} event or an event whose data is not JSON
   */
  public void accept(SseEvent event) {
    if (acceptedTextDelta(event.data())) {
      return;
    }
    JsonObject data = parse(event.data());
    String type = data.getString("type", event.event());
    switch (type) {
      case "message_start" -> onMessageStart(data.getJsonObject("message", new JsonObject()));
      case "content_block_start" -> onBlockStart(index(data), data.getJsonObject("content_block"));
      case "content_block_delta" -> onBlockDelta(block(index(data)), data.getJsonObject("delta", new JsonObject()));
      case "content_block_stop" -> block(index(data)).stop();
      case "message_delta" -> onMessageDelta(data);
      case "message_stop" -> complete = true;
      case "error" -> throw AnthropicException.fromStreamError(data, receivedContent);
      default -> {
        // "ping" and event types added to the API later carry nothing we need
      }
    }
  }

  /** The message so far, in the shape the API returns it and accepts it back in the next request. */
  public JsonObject message() {
    JsonArray content = new JsonArray();
    blocks.values().forEach(block -> content.add(block.toJson()));
    JsonObject message = new JsonObject()
        .put("id", id)
        .put("type", "message")
        .put("role", role)
        .put("model", model)
        .put("content", content)
        .put("stop_reason", stopReason)
        .put("stop_sequence", stopSequence)
        .put("usage", usage.copy());
    if (contextManagement != null) {
      message.put("context_management", contextManagement.copy());
    }
    return message;
  }

  /** Whether {@code message_stop} arrived: anything else is a cut stream. */
  public boolean complete() {
    return complete;
  }

  /** The text blocks, concatenated. */
  public String text() {
    StringBuilder text = new StringBuilder();
    blocks.values().stream().filter(b -> "text".equals(b.type())).forEach(b -> text.append(b.buffer));
    return text.toString();
  }

  /** Whether any content delta arrived (which makes a failed call unsafe to retry). */
  public boolean receivedContent() {
    return receivedContent;
  }

  /**
   * The fast path for most of a stream: a {@code content_block_delta} carrying a {@code text_delta}
   * is read with a scanner (its type, index and text) instead of a {@code JsonObject} per token.
   * Anything else, or anything unusual about it (a missing field, a block not started, text that is
   * not one well-formed JSON object), answers false and goes the full way, which also reports errors.
   */
  private boolean acceptedTextDelta(String data) {
    int start = 0;
    while (start < data.length() && Character.isWhitespace(data.charAt(start))) {
      start++;
    }
    if (!data.startsWith("{\"type\":\"content_block_delta\"", start)) {
      return false;
    }
    int end = JsonText.skipValue(data, start);
    if (end < 0 || !data.substring(end).isBlank()) {
      return false;
    }
    long index = JsonText.integer(data, start, "index", -1);
    int delta = JsonText.valueOf(data, start, "delta");
    if (index < 0 || index > Integer.MAX_VALUE || delta < 0 || data.charAt(delta) != '{'
        || !data.startsWith("\"text_delta\"", JsonText.valueOf(data, delta, "type"))) { // compared in place; spelled with escapes, it takes the full parse
      return false;
    }
    String text = JsonText.string(data, delta, "text");
    Block block = blocks.get((int) index);
    if (text == null || block == null) {
      return false;
    }
    receivedContent = true;
    block.buffer.append(text);
    listener.onTextDelta(text);
    return true;
  }

  private static JsonObject parse(String data) {
    try {
      return new JsonObject(data);
    } catch (DecodeException | ClassCastException e) {
      throw new AnthropicException(
          AnthropicException.Kind.UPSTREAM,
          "Claude stream sent an event that is not JSON: " + (data.length() > 200 ? data.substring(0, 200) + "…" : data),
          0, null, false, e);
    }
  }

  private void onMessageStart(JsonObject start) {
    id = start.getString("id");
    role = start.getString("role", role);
    model = start.getString("model");
    stopReason = start.getString("stop_reason");
    stopSequence = start.getString("stop_sequence");
    mergeUsage(start.getJsonObject("usage"));
    contextManagement(start.getValue("context_management"));
    listener.onMessageStart(start);
  }

  private void onMessageDelta(JsonObject data) {
    JsonObject delta = data.getJsonObject("delta", new JsonObject());
    if (delta.containsKey("stop_reason")) {
      stopReason = delta.getString("stop_reason");
    }
    if (delta.containsKey("stop_sequence")) {
      stopSequence = delta.getString("stop_sequence");
    }
    mergeUsage(data.getJsonObject("usage"));
    contextManagement(data.getValue("context_management"));
  }

  private void contextManagement(Object value) {
    if (value instanceof JsonObject cm) {
      contextManagement = cm;
    }
  }

  // Usage in message_delta is a running total: each field present replaces the previous value.
  private void mergeUsage(JsonObject update) {
    if (update == null) {
      return;
    }
    for (String field : USAGE_FIELDS) {
      Object value = update.getValue(field);
      if (value instanceof Number) {
        usage.put(field, value);
      }
    }
  }

  private void onBlockStart(int index, JsonObject contentBlock) {
    // a block Claude could not take back in the next request would be stored and sent again on every later turn
    if (contentBlock == null || !(contentBlock.getValue("type") instanceof String type) || type.isEmpty()) {
      throw new AnthropicException(AnthropicException.Kind.UPSTREAM, "Claude stream started content block " + index + " without a type");
    }
    if (type.endsWith("tool_use") && (!nonEmpty(contentBlock.getValue("id")) || !nonEmpty(contentBlock.getValue("name")))) {
      throw new AnthropicException(AnthropicException.Kind.UPSTREAM, "Claude stream started " + type + " block " + index
          + " without its id or name");
    }
    Block block = new Block(contentBlock);
    blocks.put(index, block);
    if ("tool_use".equals(block.type())) {
      listener.onToolUseStart(contentBlock.getString("id"), contentBlock.getString("name"));
    }
  }

  private void onBlockDelta(Block block, JsonObject delta) {
    receivedContent = true;
    switch (delta.getString("type", "")) {
      case "text_delta" -> {
        block.buffer.append(delta.getString("text", ""));
        listener.onTextDelta(delta.getString("text", ""));
      }
      case "thinking_delta" -> {
        block.buffer.append(delta.getString("thinking", ""));
        listener.onThinkingDelta(delta.getString("thinking", ""));
      }
      case "signature_delta" -> block.signature = delta.getString("signature");
      case "input_json_delta" -> {
        String json = delta.getString("partial_json", "");
        block.buffer.append(json);
        listener.onToolInputDelta(json);
      }
      default -> {
        // citations and later delta types do not change the fields we echo back
      }
    }
  }

  private static int index(JsonObject data) {
    Integer index = data.getInteger("index");
    if (index == null) {
      throw new AnthropicException(
          AnthropicException.Kind.UPSTREAM, "Claude stream sent a content block event without an index");
    }
    return index;
  }

  private static boolean nonEmpty(Object value) {
    return value instanceof String text && !text.isEmpty();
  }

  private Block block(int index) {
    Block block = blocks.get(index);
    if (block == null) {
      throw new AnthropicException(
          AnthropicException.Kind.UPSTREAM, "Claude stream referred to content block " + index + " before starting it");
    }
    return block;
  }

  /** One content block under construction. */
  private static final class Block {
    private final JsonObject start;
    /** The text, the thinking, or the tool input JSON received so far. */
    private final StringBuilder buffer = new StringBuilder();
    private String signature;
    private JsonObject input;

    Block(JsonObject start) {
      this.start = start == null ? new JsonObject() : start;
      this.signature = this.start.getString("signature");
    }

    String type() {
      return start.getString("type", "");
    }

    /** A text or thinking block has no input: its text is not parsed as JSON (which failed, with an exception, at every answer's end). */
    void stop() {
      String type = type();
      if (!"text".equals(type) && !"thinking".equals(type)) {
        input = parsedInput();
      }
    }

    JsonObject toJson() {
      return switch (type()) {
        case "text" -> new JsonObject().put("type", "text").put("text", buffer.toString());
        // echoed back exactly as received: whatever the start carried, the streamed text, the signature
        case "thinking" ->
            start.copy()
                .put("thinking", buffer.toString())
                .put("signature", signature == null ? "" : signature);
        case "tool_use" ->
            new JsonObject()
                .put("type", "tool_use")
                .put("id", start.getString("id"))
                .put("name", start.getString("name"))
                .put("input", input());
        // redacted_thinking and server-side blocks are echoed back as they came, with any streamed input
        default -> {
          JsonObject copy = start.copy();
          if (copy.containsKey("input")) {
            copy.put("input", input());
          }
          yield copy;
        }
      };
    }

    /** Parsed at content_block_stop; a block cut before its stop is parsed from what arrived. */
    private JsonObject input() {
      return input != null ? input : parsedInput();
    }

    /**
     * The input is the concatenation of the input_json_delta chunks. None (or only "") means the
     * start's input, which is {}. JSON cut short (a stream stopped by max_tokens) also gives {}.
     */
    private JsonObject parsedInput() {
      String json = buffer.toString();
      if (json.isBlank()) {
        return start.getJsonObject("input", new JsonObject()).copy();
      }
      try {
        return new JsonObject(json);
      } catch (DecodeException | ClassCastException incomplete) {
        return new JsonObject();
      }
    }
  }
}
