package agentx.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Builds Messages API stream transcripts in the official shape (message_start, a ping, content
 * blocks, message_delta, message_stop), one SSE event per list entry.
 */
public final class SseTranscript {
  public static final String MODEL = "claude-sonnet-4-5-20250929";
  private static final AtomicInteger IDS = new AtomicInteger();

  private final List<String> events = new ArrayList<>();
  private int blocks;
  private int outputTokens;

  /** Starts a message as message_start does: empty content, usage with the prompt's tokens. */
  public static SseTranscript message() {
    SseTranscript transcript = new SseTranscript();
    JsonObject usage = new JsonObject()
        .put("input_tokens", 25)
        .put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", 0)
        .put("output_tokens", 1);
    JsonObject message = new JsonObject()
        .put("id", "msg_fake" + IDS.incrementAndGet())
        .put("type", "message")
        .put("role", "assistant")
        .put("model", MODEL)
        .put("content", new JsonArray())
        .put("stop_reason", null)
        .put("stop_sequence", null)
        .put("usage", usage);
    transcript.event("message_start", new JsonObject().put("message", message));
    transcript.event("ping", new JsonObject());
    return transcript;
  }

  /** A text block streamed as several small text_delta tokens. */
  public SseTranscript text(String text) {
    return tokens(pieces(text, 4));
  }

  /** A text block streamed as these text_delta tokens, one each. */
  public SseTranscript tokens(List<String> tokens) {
    int index = startBlock(new JsonObject().put("type", "text").put("text", ""));
    for (String token : tokens) {
      delta(index, new JsonObject().put("type", "text_delta").put("text", token));
    }
    return stopBlock(index);
  }

  /**
   * A thinking block as the API streams it: thinking_delta pieces (none when the text is omitted,
   * {@code text} empty), then one signature_delta.
   */
  public SseTranscript thinking(String text, String signature) {
    int index = startBlock(new JsonObject().put("type", "thinking").put("thinking", ""));
    for (String piece : pieces(text, 12)) {
      delta(index, new JsonObject().put("type", "thinking_delta").put("thinking", piece));
    }
    delta(index, new JsonObject().put("type", "signature_delta").put("signature", signature));
    return stopBlock(index);
  }

  /** A tool_use block whose input JSON arrives in several input_json_delta chunks, the first "". */
  public SseTranscript toolUse(String id, String name, JsonObject input) {
    int index = startBlock(new JsonObject()
        .put("type", "tool_use").put("id", id).put("name", name).put("input", new JsonObject()));
    delta(index, new JsonObject().put("type", "input_json_delta").put("partial_json", ""));
    for (String chunk : pieces(input.encode(), 7)) {
      delta(index, new JsonObject().put("type", "input_json_delta").put("partial_json", chunk));
    }
    return stopBlock(index);
  }

  /** Ends the message with message_delta (stop reason, running output total) and message_stop. */
  public List<String> end(String stopReason) {
    event("message_delta", new JsonObject()
        .put("delta", new JsonObject().put("stop_reason", stopReason).put("stop_sequence", null))
        .put("usage", new JsonObject().put("output_tokens", outputTokens)));
    event("message_stop", new JsonObject());
    return List.copyOf(events);
  }

  private int startBlock(JsonObject contentBlock) {
    int index = blocks++;
    event("content_block_start", new JsonObject().put("index", index).put("content_block", contentBlock));
    return index;
  }

  private void delta(int index, JsonObject delta) {
    outputTokens++;
    event("content_block_delta", new JsonObject().put("index", index).put("delta", delta));
  }

  private SseTranscript stopBlock(int index) {
    event("content_block_stop", new JsonObject().put("index", index));
    return this;
  }

  private void event(String type, JsonObject data) {
    // "type" first, as the API writes it
    JsonObject ordered = new JsonObject().put("type", type).mergeIn(data);
    events.add("event: " + type + "\ndata: " + ordered.encode() + "\n\n");
  }

  /** Splits text into pieces of at most {@code size} code points (never inside a surrogate pair). */
  private static List<String> pieces(String text, int size) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    while (start < text.length()) {
      int end = text.offsetByCodePoints(start, Math.min(size, text.codePointCount(start, text.length())));
      pieces.add(text.substring(start, end));
      start = end;
    }
    return pieces;
  }
}
