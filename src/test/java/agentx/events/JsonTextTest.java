package agentx.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

public class JsonTextTest {

  @Test
  @DisplayName("only top-level keys are found, whatever nested values or string contents hold")
  void topLevelOnly() {
    String json = "{\"data\":{\"seq\":7,\"type\":\"nested\"},\"note\":\"\\\"seq\\\":8 \\\\\",\"type\":\"stream\",\"seq\":42}";
    assertThat(JsonText.integer(json, "seq", -1)).isEqualTo(42);
    assertThat(JsonText.string(json, "type")).isEqualTo("stream");
    assertThat(JsonText.string(json, "note")).isEqualTo("\"seq\":8 \\");
    assertThat(JsonText.string(json, "missing")).isNull();
    assertThat(JsonText.integer("{\"seq\":null}", "seq", -1)).isEqualTo(-1);
    assertThat(JsonText.integer("{\"seq\":1.5}", "seq", -1)).isEqualTo(-1);
    assertThat(JsonText.integer(" { \"a\" : [1, {\"b\": \"]\"}], \"seq\" : -3 } ", "seq", 0)).isEqualTo(-3);
  }

  @Test
  @DisplayName("several keys in one pass: the same positions as one key at a time")
  void severalKeys() {
    String json = "{\"data\":{\"seq\":7},\"type\":\"stream\",\"seq\":42,\"turn_id\":null}";
    int[] at = JsonText.valuesOf(json, "seq", "type", "missing", "turn_id");
    assertThat(at[0]).isEqualTo(JsonText.valueOf(json, 0, "seq"));
    assertThat(JsonText.integerAt(json, at[0], -1)).isEqualTo(42);
    assertThat(JsonText.stringAt(json, at[1])).isEqualTo("stream");
    assertThat(at[2]).isEqualTo(-1);
    assertThat(JsonText.stringAt(json, at[3])).isNull();
    assertThat(json.substring(at[3])).startsWith("null");
  }

  @Test
  @DisplayName("malformed or cut text answers not found instead of guessing")
  void malformed() {
    assertThat(JsonText.string("{\"type\":\"str", "type")).isNull();
    assertThat(JsonText.integer("{\"a\":{\"seq\":1}", "seq", -1)).isEqualTo(-1);
    assertThat(JsonText.string("[\"type\",\"x\"]", "type")).isNull();
    assertThat(JsonText.string("{\"type\":\"\\u12\"}", "type")).isNull();
    assertThat(JsonText.string("", "type")).isNull();
  }

  @Test
  @DisplayName("strings are unescaped as a JSON parser does, surrogate pairs included")
  void unescape() {
    String json = "{\"t\":\"a\\\"b\\\\c\\nd\\t\\u00e9\\ud83d\\ude00\\/ é😀\"}";
    assertThat(JsonText.string(json, "t")).isEqualTo(new JsonObject(json).getString("t")).isEqualTo("a\"b\\c\nd\té😀/ é😀");
  }

  @Test
  @DisplayName("quote writes what Jackson writes, and reads back to the same string, for any text")
  void quoteRoundTrip() {
    Random random = new Random(10);
    for (int n = 0; n < 2_000; n++) {
      String text = randomText(random);
      String quoted = JsonText.quote(new StringBuilder(), text).toString();
      String jackson = new JsonObject().put("t", text).encode();
      assertThat("{\"t\":" + quoted + "}").isEqualTo(jackson);
      assertThat(JsonText.string(jackson, "t")).isEqualTo(text);
    }
  }

  @Test
  @DisplayName("a token's draft written as text is the draft object's encoding, and withSeq numbers it")
  void draftText() {
    String token = "line\n\"quoted\" \\ é😀 \u0001";
    String text = Events.draftText(Events.STREAM, "s-1", "t-1", token, null);
    JsonObject expected = Events.draft(Events.STREAM, "s-1", "t-1", token);
    expected.put("timestamp", new JsonObject(text).getString("timestamp"));
    assertThat(text).isEqualTo(expected.encode());
    JsonObject thinking = new JsonObject(Events.draftText(Events.STREAM, "s-1", null, "x", "thinking"));
    assertThat(thinking).isEqualTo(Events.draft(Events.STREAM, "s-1", null, "x").put("kind", "thinking")
        .put("timestamp", thinking.getString("timestamp")));
    assertThat(thinking.getString("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

    String numbered = Events.withSeq(text, 12);
    assertThat(numbered).isEqualTo(expected.copy().put("seq", 12).encode());
    assertThat(Events.withSeq(numbered, 13)).isEqualTo(expected.copy().put("seq", 13).encode());
    assertThat(new JsonObject(Events.withSeq("{\"type\":\"x\",\"data\":{\"seq\":1}}", 5)))
        .isEqualTo(new JsonObject().put("seq", 5).put("type", "x").put("data", new JsonObject().put("seq", 1)));
    assertThat(Events.withSeq("{}", 5)).isEqualTo("{\"seq\":5}");
  }

  public static String randomText(Random random) {
    StringBuilder out = new StringBuilder();
    int length = random.nextInt(12);
    for (int i = 0; i < length; i++) {
      switch (random.nextInt(6)) {
        case 0 -> out.append((char) random.nextInt(0x20));
        case 1 -> out.append("\"\\/".charAt(random.nextInt(3)));
        case 2 -> out.appendCodePoint(0x1F600 + random.nextInt(80));
        case 3 -> out.append((char) (0x80 + random.nextInt(0x3000)));
        default -> out.append((char) (0x20 + random.nextInt(0x5f)));
      }
    }
    return out.toString();
  }

  @Test
  @DisplayName("encodedLength counts what Vert.x's encoder writes: escapes, unicode, numbers, nesting, random trees")
  void encodedLength() {
    JsonObject request = new JsonObject()
        .put("model", "claude-sonnet-4-5").put("max_tokens", 8192).put("stream", true).put("temperature", 0.7).putNull("stop")
        .put("system", new io.vertx.core.json.JsonArray().add(new JsonObject().put("type", "text")
            .put("text", "Quotes \" and \\ backslashes,\ttabs,\nnewlines,\u0001 control, é, 漢字, 🎨 and \u2028")))
        .put("messages", new io.vertx.core.json.JsonArray().add(new JsonObject().put("role", "user")
            .put("content", java.util.List.of(java.util.Map.of("type", "text", "text", "{\"a\": [1, 2.5e-7, -3]}")))))
        .put("big", new java.math.BigDecimal("12345678901234567890.5")).put("l", Long.MIN_VALUE).put("f", 1.5f);
    assertThat(JsonText.encodedLength(request)).isEqualTo(request.encode().length());
    Random random = new Random(7);
    for (int i = 0; i < 200; i++) {
      Object tree = randomValue(random, 4);
      assertThat(JsonText.encodedLength(tree)).as("%s", tree).isEqualTo(io.vertx.core.json.Json.encode(tree).length());
    }
  }

  private static Object randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 0 ? 8 : 6);
    switch (kind) {
      case 0: return null;
      case 1: return random.nextBoolean();
      case 2: return random.nextLong();
      case 3: return random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
      case 4: case 5: {
        StringBuilder b = new StringBuilder();
        for (int n = random.nextInt(12); n > 0; n--) {
          b.append((char) (random.nextInt(4) == 0 ? random.nextInt(0x40) : random.nextInt(0x3000)));
        }
        return b.toString();
      }
      case 6: {
        JsonObject o = new JsonObject();
        for (int n = random.nextInt(4); n > 0; n--) {
          o.put("k" + random.nextInt(100) + (random.nextBoolean() ? "\"\n" : ""), randomValue(random, depth - 1));
        }
        return o;
      }
      default: {
        io.vertx.core.json.JsonArray a = new io.vertx.core.json.JsonArray();
        for (int n = random.nextInt(4); n > 0; n--) {
          a.add(randomValue(random, depth - 1));
        }
        return a;
      }
    }
  }
}
