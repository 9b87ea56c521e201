package agentx.engine.anthropic;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A Messages API request body as JSON, with the top-level values that are the same object from one
 * request to the next encoded once: the tool list (its schemas are most of a ComfyUI request, 11 KB)
 * and the system prompt (4 KB) are built once and given to every turn, and encoding them again for
 * every call was the largest part of a turn's start on the engine's event loop when 64 answers end
 * and 64 turns start together (docs/PERFORMANCE.md, round fifteen). Whoever builds such a value makes
 * it {@link #encodedOnce}: the value carries its own bytes, so any number of them (a system prompt per
 * session, a new tool list) can be in use at once without one pushing another's bytes out of a shared
 * cache. It must never change afterwards. The bytes are those {@code body.toBuffer()} gives: fields in
 * the body's order, each value encoded by Vert.x's codec.
 */
public final class RequestEncoding {
  private RequestEncoding() {}

  /** A JSON array that is never changed once built and keeps the bytes it was encoded to when it was. */
  private static final class EncodedArray extends JsonArray {
    private final Buffer encoded;

    EncodedArray(JsonArray value) {
      super(value.getList());
      this.encoded = Json.CODEC.toBuffer(value, false);
    }
  }

  /**
   * {@code value} (never to be changed, nor the list it wraps) as an array encoded now, once: every body
   * that holds the answer reuses these bytes. The answer is an ordinary {@link JsonArray} otherwise.
   */
  public static JsonArray encodedOnce(JsonArray value) {
    return value instanceof EncodedArray ? value : new EncodedArray(value);
  }

  /** The body encoded, the bytes of an array made {@link #encodedOnce} reused. */
  public static Buffer encode(JsonObject body) {
    Buffer out = Buffer.buffer(16 * 1024);
    out.appendByte((byte) '{');
    boolean first = true;
    for (Map.Entry<String, Object> field : body.getMap().entrySet()) {
      if (!first) {
        out.appendByte((byte) ',');
      }
      first = false;
      out.appendBuffer(Json.CODEC.toBuffer(field.getKey(), false)).appendByte((byte) ':');
      Object value = field.getValue();
      out.appendBuffer(value instanceof EncodedArray known ? known.encoded : Json.CODEC.toBuffer(value, false));
    }
    return out.appendByte((byte) '}');
  }
}
