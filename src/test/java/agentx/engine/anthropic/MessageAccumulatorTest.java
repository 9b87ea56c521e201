package agentx.engine.anthropic;

import static agentx.engine.anthropic.Transcripts.replay;
import static agentx.engine.anthropic.Transcripts.replayFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MessageAccumulatorTest {

  /** Records listener callbacks as "kind:value" strings. */
  private static final class Recorder implements MessageAccumulator.Listener {
    final List<String> calls = new ArrayList<>();

    @Override
    public void onMessageStart(JsonObject message) {
      calls.add("start:" + message.getString("id"));
    }

    @Override
    public void onTextDelta(String text) {
      calls.add("text:" + text);
    }

    @Override
    public void onThinkingDelta(String text) {
      calls.add("thinking:" + text);
    }

    @Override
    public void onToolUseStart(String id, String name) {
      calls.add("tool:" + id + ":" + name);
    }
  }

  private static final String START =
      "event: message_start\n"
          + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
          + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,"
          + "\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n";
  private static final String TEXT_BLOCK =
      "event: content_block_start\n"
          + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
          + "event: content_block_delta\n"
          + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
          + "event: content_block_stop\n"
          + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n";
  private static final String END =
      "event: message_delta\n"
          + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
          + "\"usage\":{\"output_tokens\":5}}\n\n"
          + "event: message_stop\n"
          + "data: {\"type\":\"message_stop\"}\n\n";

  @Test
  @DisplayName("context_management in message_delta (what the API's context editing cleared) is kept on the message; absent, none is added")
  void contextManagementReported() {
    String cleared = END.replace("\"usage\":{\"output_tokens\":5}}", "\"usage\":{\"output_tokens\":5},\"context_management\":"
        + "{\"applied_edits\":[{\"type\":\"clear_tool_uses_20250919\",\"cleared_tool_uses\":2,\"cleared_input_tokens\":5000}]}}");
    assertThat(cleared).isNotEqualTo(END);
    MessageAccumulator acc = replay(START + TEXT_BLOCK + cleared, new MessageAccumulator(new Recorder()));
    JsonObject edit = acc.message().getJsonObject("context_management").getJsonArray("applied_edits").getJsonObject(0);
    assertThat(edit.getInteger("cleared_tool_uses")).isEqualTo(2);
    assertThat(edit.getInteger("cleared_input_tokens")).isEqualTo(5000);
    assertThat(acc.message().getJsonArray("content")).hasSize(1);
    assertThat(replay(START + TEXT_BLOCK + END, new MessageAccumulator(new Recorder())).message().containsKey("context_management")).isFalse();
  }

  @Test
  @DisplayName("sse_text.sse: the answer 'Hello!', its metadata, usage and text deltas")
  void textTranscript() {
    Recorder recorder = new Recorder();
    MessageAccumulator acc = replayFile("sse_text.sse", new MessageAccumulator(recorder));

    assertThat(acc.complete()).isTrue();
    assertThat(acc.receivedContent()).isTrue();
    assertThat(acc.text()).isEqualTo("Hello!");
    JsonObject message = acc.message();
    assertThat(message.getString("id")).isEqualTo("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
    assertThat(message.getString("type")).isEqualTo("message");
    assertThat(message.getString("role")).isEqualTo("assistant");
    assertThat(message.getString("model")).isEqualTo("claude-sonnet-4-5-20250929");
    assertThat(message.getJsonArray("content"))
        .isEqualTo(new JsonArray().add(new JsonObject().put("type", "text").put("text", "Hello!")));
    assertThat(message.getString("stop_reason")).isEqualTo("end_turn");
    assertThat(message.containsKey("stop_sequence")).isTrue();
    assertThat(message.getValue("stop_sequence")).isNull();
    assertThat(message.getJsonObject("usage")).isEqualTo(new JsonObject()
        .put("input_tokens", 25)
        .put("output_tokens", 15)
        .put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", 0));
    assertThat(recorder.calls)
        .containsExactly("start:msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "text:Hello", "text:!");
  }

  @Test
  @DisplayName("sse_tool_use.sse: the 9 input_json_delta chunks parse to the tool input")
  void toolUseTranscript() {
    Recorder recorder = new Recorder();
    MessageAccumulator acc = replayFile("sse_tool_use.sse", new MessageAccumulator(recorder));

    JsonArray content = acc.message().getJsonArray("content");
    assertThat(content).hasSize(2);
    assertThat(content.getJsonObject(0).getString("text"))
        .isEqualTo("Okay, let's check the weather for San Francisco, CA:");
    assertThat(content.getJsonObject(1)).isEqualTo(new JsonObject()
        .put("type", "tool_use")
        .put("id", "toolu_01T1x1fJ34qAmk2tNTrN7Up6")
        .put("name", "get_weather")
        .put("input", new JsonObject().put("location", "San Francisco, CA").put("unit", "fahrenheit")));
    assertThat(acc.message().getString("stop_reason")).isEqualTo("tool_use");
    assertThat(acc.message().getJsonObject("usage").getInteger("output_tokens")).isEqualTo(89);
    assertThat(recorder.calls).contains("tool:toolu_01T1x1fJ34qAmk2tNTrN7Up6:get_weather");
  }

  @Test
  @DisplayName("sse_tool_use_empty_input.sse: a lone \"\" chunk means input {}")
  void emptyToolInput() {
    MessageAccumulator acc = replayFile("sse_tool_use_empty_input.sse", new MessageAccumulator());

    JsonObject tool = acc.message().getJsonArray("content").getJsonObject(1);
    assertThat(tool.getString("name")).isEqualTo("getCurrentTime");
    assertThat(tool.getJsonObject("input")).isEqualTo(new JsonObject());
    assertThat(acc.message().getJsonObject("usage"))
        .isEqualTo(new JsonObject()
            .put("input_tokens", 377)
            .put("output_tokens", 41)
            .put("cache_creation_input_tokens", 0)
            .put("cache_read_input_tokens", 0));
  }

  @Test
  @DisplayName("sse_tool_use_parallel_constructed.sse: two tool_use blocks in index order")
  void parallelTools() {
    MessageAccumulator acc = replayFile("sse_tool_use_parallel_constructed.sse", new MessageAccumulator());

    JsonArray content = acc.message().getJsonArray("content");
    assertThat(content).extracting(b -> ((JsonObject) b).getString("type"))
        .containsExactly("text", "tool_use", "tool_use");
    assertThat(content.getJsonObject(1).getJsonObject("input"))
        .isEqualTo(new JsonObject().put("location", "Paris, France"));
    assertThat(content.getJsonObject(2).getString("id")).isEqualTo("toolu_01B19r01rx01mr028946mr0");
    assertThat(content.getJsonObject(2).getJsonObject("input"))
        .isEqualTo(new JsonObject().put("timezone", "Europe/Paris"));
    assertThat(acc.message().getJsonObject("usage").getInteger("cache_read_input_tokens")).isEqualTo(2048);
  }

  @Test
  @DisplayName("sse_thinking.sse: thinking text and signature, then the text block")
  void thinking() {
    Recorder recorder = new Recorder();
    MessageAccumulator acc = replayFile("sse_thinking.sse", new MessageAccumulator(recorder));

    JsonArray content = acc.message().getJsonArray("content");
    JsonObject thinking = content.getJsonObject(0);
    assertThat(thinking.fieldNames()).containsExactlyInAnyOrder("type", "thinking", "signature");
    assertThat(thinking.getString("type")).isEqualTo("thinking");
    assertThat(thinking.getString("thinking"))
        .startsWith("Let me solve this step by step:\n\n1. First break down 27 * 453\n2.")
        .endsWith("\n6. 10,800 + 1,350 + 81 = 12,231");
    assertThat(thinking.getString("signature")).isEqualTo("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...");
    assertThat(content.getJsonObject(1)).isEqualTo(new JsonObject().put("type", "text").put("text", "27 * 453 = 12,231"));
    assertThat(acc.text()).isEqualTo("27 * 453 = 12,231");
    assertThat(recorder.calls).filteredOn(c -> c.startsWith("thinking:")).hasSize(6);
    assertThat(acc.complete()).isTrue();
  }

  @Test
  @DisplayName("sse_error_overloaded.sse: the error event throws OVERLOADED with the upstream message")
  void errorEvent() {
    MessageAccumulator acc = new MessageAccumulator();

    assertThatThrownBy(() -> replayFile("sse_error_overloaded.sse", acc))
        .isInstanceOfSatisfying(AnthropicException.class, e -> {
          assertThat(e.kind()).isEqualTo(AnthropicException.Kind.OVERLOADED);
          assertThat(e.contentStreamed()).isTrue();
        })
        .hasMessageContaining("overloaded_error")
        .hasMessageContaining("Overloaded");
    assertThat(acc.text()).isEqualTo("Hello");
    assertThat(acc.complete()).isFalse();
  }

  @Test
  @DisplayName("an error event of another type is UPSTREAM, and rate_limit_error is RATE_LIMITED")
  void errorKinds() {
    assertThatThrownBy(() -> replay(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}\n\n",
            new MessageAccumulator()))
        .isInstanceOfSatisfying(AnthropicException.class,
            e -> assertThat(e.kind()).isEqualTo(AnthropicException.Kind.UPSTREAM))
        .hasMessageContaining("boom");
    // data with type "error" counts even under another event name
    assertThatThrownBy(() -> replay(
            "data: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}\n\n",
            new MessageAccumulator()))
        .isInstanceOfSatisfying(AnthropicException.class,
            e -> assertThat(e.kind()).isEqualTo(AnthropicException.Kind.RATE_LIMITED));
  }

  @Test
  @DisplayName("JSON with whitespace padding before closing braces is read")
  void padding() {
    String padded = START
        + "event: content_block_start\n"
        + "data: {\"type\": \"content_block_start\", \"index\": 0, \"content_block\": {\"type\": \"text\", \"text\": \"\"}   }\n\n"
        + "event: content_block_delta\n"
        + "data:   {\"type\" : \"content_block_delta\" , \"index\" : 0 , \"delta\" : {\"type\": \"text_delta\", \"text\": \"Padded\"  }  }  \n\n"
        + "event: content_block_stop\n"
        + "data: {\"type\": \"content_block_stop\", \"index\": 0 }\n\n"
        + END;

    MessageAccumulator acc = replay(padded, new MessageAccumulator());

    assertThat(acc.text()).isEqualTo("Padded");
    assertThat(acc.complete()).isTrue();
  }

  @Test
  @DisplayName("unknown event types and pings anywhere are ignored")
  void unknownEvents() {
    String withExtras = START
        + "event: ping\ndata: {\"type\": \"ping\"}\n\n"
        + "event: brand_new_event\ndata: {\"type\":\"brand_new_event\",\"index\":0,\"whatever\":[1,2]}\n\n"
        + TEXT_BLOCK
        + "event: ping\ndata: {\"type\": \"ping\"}\n\n"
        + END;

    MessageAccumulator acc = replay(withExtras, new MessageAccumulator());

    assertThat(acc.message().getJsonArray("content")).hasSize(1);
    assertThat(acc.text()).isEqualTo("Hi");
    assertThat(acc.complete()).isTrue();
  }

  @Test
  @DisplayName("message_delta usage is a running total: fields are overwritten, not added")
  void runningTotalUsage() {
    String twoDeltas = START + TEXT_BLOCK
        + "event: message_delta\n"
        + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},\"usage\":{\"output_tokens\":10}}\n\n"
        + "event: message_delta\n"
        + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\",\"stop_sequence\":null},"
        + "\"usage\":{\"output_tokens\":15,\"input_tokens\":12,\"cache_read_input_tokens\":7}}\n\n"
        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    JsonObject usage = replay(twoDeltas, new MessageAccumulator()).message().getJsonObject("usage");

    assertThat(usage.getInteger("output_tokens")).isEqualTo(15);
    assertThat(usage.getInteger("input_tokens")).isEqualTo(12);
    assertThat(usage.getInteger("cache_read_input_tokens")).isEqualTo(7);
    assertThat(usage.getInteger("cache_creation_input_tokens")).isZero();
  }

  @Test
  @DisplayName("without message_stop the message is not complete")
  void missingMessageStop() {
    String cut = Transcripts.load("sse_text.sse").replace("event: message_stop\ndata: {\"type\": \"message_stop\"}\n\n", "");
    assertThat(cut).doesNotContain("message_stop");

    MessageAccumulator acc = replay(cut, new MessageAccumulator());

    assertThat(acc.complete()).isFalse();
    assertThat(acc.text()).isEqualTo("Hello!");
  }

  @Test
  @DisplayName("a tool_use block cut by max_tokens: complete JSON is still parsed, cut JSON gives {}")
  void toolUseWithoutBlockStop() {
    String complete = START + toolStart(0) + inputDelta(0, "") + inputDelta(0, "{\\\"city\\\": ") + inputDelta(0, "\\\"Oslo\\\"}");
    String cut = START + toolStart(0) + inputDelta(0, "") + inputDelta(0, "{\\\"city\\\": \\\"Os");

    JsonObject parsed = replay(complete, new MessageAccumulator()).message().getJsonArray("content").getJsonObject(0);
    JsonObject empty = replay(cut, new MessageAccumulator()).message().getJsonArray("content").getJsonObject(0);

    assertThat(parsed.getJsonObject("input")).isEqualTo(new JsonObject().put("city", "Oslo"));
    assertThat(empty.getJsonObject("input")).isEqualTo(new JsonObject());
    assertThat(empty.getString("id")).isEqualTo("toolu_cut");
  }

  @Test
  @DisplayName("redacted_thinking blocks are kept exactly as given")
  void redactedThinking() {
    String body = START
        + "event: content_block_start\n"
        + "data: {\"type\":\"content_block_start\",\"index\":0,"
        + "\"content_block\":{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgBEgy3va3pzix/LafPsn4a\"}}\n\n"
        + "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
        + END;

    JsonArray content = replay(body, new MessageAccumulator()).message().getJsonArray("content");

    assertThat(content).containsExactly(new JsonObject()
        .put("type", "redacted_thinking").put("data", "EmwKAhgBEgy3va3pzix/LafPsn4a"));
  }

  @Test
  @DisplayName("data that is not JSON fails with UPSTREAM")
  void notJson() {
    assertThatThrownBy(() -> replay("event: message_start\ndata: {oops\n\n", new MessageAccumulator()))
        .isInstanceOfSatisfying(AnthropicException.class,
            e -> assertThat(e.kind()).isEqualTo(AnthropicException.Kind.UPSTREAM));
  }

  @Test
  @DisplayName("a content block without a type, or a tool_use without its id or name, fails with UPSTREAM: stored, it would break every later turn")
  void malformedBlockStart() {
    for (String block : new String[] {"{}", "null", "{\"type\":\"\"}", "{\"type\":7}",
        "{\"type\":\"tool_use\",\"id\":null,\"name\":\"get_queue\",\"input\":{}}",
        "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"input\":{}}"}) {
      String start = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":" + block + "}\n\n";
      assertThatThrownBy(() -> replay(START + start, new MessageAccumulator()))
          .as(block)
          .isInstanceOfSatisfying(AnthropicException.class, e -> assertThat(e.kind()).isEqualTo(AnthropicException.Kind.UPSTREAM));
    }
  }

  private static String toolStart(int index) {
    return "event: content_block_start\n"
        + "data: {\"type\":\"content_block_start\",\"index\":" + index + ",\"content_block\":"
        + "{\"type\":\"tool_use\",\"id\":\"toolu_cut\",\"name\":\"weather\",\"input\":{}}}\n\n";
  }

  private static String inputDelta(int index, String escapedJson) {
    return "event: content_block_delta\n"
        + "data: {\"type\":\"content_block_delta\",\"index\":" + index
        + ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"" + escapedJson + "\"}}\n\n";
  }

  @Test
  @DisplayName("text deltas read without a JSON tree give exactly what a parser gives: escapes, unicode, key order, nested decoys")
  void textDeltaFastPath() {
    Recorder recorder = new Recorder();
    MessageAccumulator acc = new MessageAccumulator(recorder);
    acc.accept(new SseEvent("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    List<String> datas = List.of(
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\\\"b\\\\c\\nd\\t\\u00e9\\ud83d\\ude00\\/\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"héllo 世界 😀\"}}",
        "{\"type\":\"content_block_delta\",\"delta\":{\"text\":\"[order]\",\"type\":\"text_delta\"},\"index\":0}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"meta\":{\"text\":\"no\"},\"text\":\"yes\"}}",
        "{ \"type\": \"content_block_delta\", \"index\": 0, \"delta\": { \"type\": \"text_delta\", \"text\": \" spaced\" } }");
    StringBuilder expected = new StringBuilder();
    for (String data : datas) {
      acc.accept(new SseEvent("content_block_delta", data));
      expected.append(new JsonObject(data).getJsonObject("delta").getString("text"));
    }
    assertThat(acc.text()).isEqualTo(expected.toString()).startsWith("a\"b\\c\nd\té😀/héllo 世界 😀[order]yes spaced");
    assertThat(recorder.calls).hasSize(datas.size()).allMatch(c -> c.startsWith("text:"));
    assertThat(acc.receivedContent()).isTrue();
  }

  @Test
  @DisplayName("random texts encoded by Jackson come back unchanged through the text-delta fast path")
  void textDeltaFastPathRandom() {
    MessageAccumulator acc = new MessageAccumulator();
    acc.accept(new SseEvent("content_block_start", "{\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    java.util.Random random = new java.util.Random(7);
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 1_000; i++) {
      String text = agentx.events.JsonTextTest.randomText(random);
      expected.append(text);
      acc.accept(new SseEvent("content_block_delta", new JsonObject().put("type", "content_block_delta").put("index", 3)
          .put("delta", new JsonObject().put("type", "text_delta").put("text", text)).encode()));
    }
    assertThat(acc.text()).isEqualTo(expected.toString());
  }

  @Test
  @DisplayName("a cut or misplaced text delta still fails as before: not JSON, or a block never started")
  void textDeltaFastPathErrors() {
    MessageAccumulator acc = new MessageAccumulator();
    assertThatThrownBy(() -> acc.accept(new SseEvent("content_block_delta",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}")))
        .isInstanceOf(AnthropicException.class).hasMessageContaining("before starting it");
    acc.accept(new SseEvent("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    assertThatThrownBy(() -> acc.accept(new SseEvent("content_block_delta",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}")))
        .isInstanceOf(AnthropicException.class).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> acc.accept(new SseEvent("content_block_delta",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}} trailing")))
        .isInstanceOf(AnthropicException.class).hasMessageContaining("not JSON");
    assertThat(acc.text()).isEmpty();
  }
}
