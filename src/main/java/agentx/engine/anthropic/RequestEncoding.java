package agentx.engine.anthropic;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A Messages API request body as JSON, with the top-level values that are the same object from one
 * request to the next encoded once: the tool list (its schemas are most of a ComfyUI request, 11 KB)
 * and the system prompt (4 KB) are built once and given to every turn, and encoding them again for
 * every call was the largest part of a turn's start on the engine's event loop when 64 answers end
 * and 64 turns start together (docs/PERFORMANCE.md, round fifteen). A value is {@link #remember}ed by
 * whoever builds it; it must never change afterwards. The bytes are those {@code body.toBuffer()}
 * gives: fields in the body's order, each value encoded by Vert.x's codec.
 */
public final class RequestEncoding {
  /** Values remembered at most; the oldest is forgotten first (a registry's tool list changes rarely). */
  static final int REMEMBERED = 8;

  private static final Object[] values = new Object[REMEMBERED];
  private static final Buffer[] encoded = new Buffer[REMEMBERED];
  private static int next;

  private RequestEncoding() {}

  /** From now on {@code value} (by identity, never to be changed) is encoded once, here, for every body that holds it. */
  public static synchronized void remember(Object value) {
    if (indexOf(value) < 0) {
      values[next] = value;
      encoded[next] = Json.CODEC.toBuffer(value, false);
      next = (next + 1) % REMEMBERED;
    }
  }

  /** The body encoded, a remembered value's bytes reused. */
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
      Buffer known = known(field.getValue());
      out.appendBuffer(known != null ? known : Json.CODEC.toBuffer(field.getValue(), false));
    }
    return out.appendByte((byte) '}');
  }

  private static synchronized Buffer known(Object value) {
    int i = indexOf(value);
    return i < 0 ? null : encoded[i];
  }

  private static int indexOf(Object value) {
    for (int i = 0; i < REMEMBERED; i++) {
      if (values[i] == value && value != null) {
        return i;
      }
    }
    return -1;
  }
}
