package agentx.events;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes a few fields of JSON text without building a {@code JsonObject}: the hot path of
 * a streamed token (an event envelope encoded once, then stored, published and written to sockets
 * as that same text; Claude's {@code text_delta} lines) needs a field or two, not a tree.
 *
 * <p>Only the top level of an object is searched, so a key of the same name nested inside a value is
 * never taken for it. Anything unexpected (malformed text, a key written with escapes) answers "not
 * found" ({@code -1} / {@code null}): callers then fall back to a full parse.
 */
public final class JsonText {
  private JsonText() {}

  /**
   * Where the value of top-level {@code key} starts in the object that starts at {@code from}
   * (leading whitespace allowed), or -1 when the key is absent or the text is not a well-formed object
   * up to it.
   */
  public static int valueOf(String json, int from, String key) {
    int n = json.length();
    int i = skipWs(json, from);
    if (i >= n || json.charAt(i) != '{') {
      return -1;
    }
    i = skipWs(json, i + 1);
    if (i < n && json.charAt(i) == '}') {
      return -1;
    }
    while (i < n) {
      if (json.charAt(i) != '"') {
        return -1;
      }
      int keyEnd = skipString(json, i);
      if (keyEnd < 0) {
        return -1;
      }
      boolean match = keyEnd - i - 2 == key.length() && json.regionMatches(i + 1, key, 0, key.length());
      i = skipWs(json, keyEnd);
      if (i >= n || json.charAt(i) != ':') {
        return -1;
      }
      i = skipWs(json, i + 1);
      if (match) {
        return i < n ? i : -1;
      }
      i = skipValue(json, i);
      if (i < 0) {
        return -1;
      }
      i = skipWs(json, i);
      if (i >= n || json.charAt(i) != ',') {
        return -1;
      }
      i = skipWs(json, i + 1);
    }
    return -1;
  }

  /**
   * {@link #valueOf} for several keys in one pass: where each key's value starts ({@code -1} for a
   * key not found). The scan stops once every key is found, so keys near the start are cheap.
   */
  public static int[] valuesOf(String json, String... keys) {
    int[] at = new int[keys.length];
    java.util.Arrays.fill(at, -1);
    int missing = keys.length;
    int n = json.length();
    int i = skipWs(json, 0);
    if (i >= n || json.charAt(i) != '{') {
      return at;
    }
    i = skipWs(json, i + 1);
    while (i < n && missing > 0 && json.charAt(i) == '"') {
      int keyEnd = skipString(json, i);
      if (keyEnd < 0) {
        return at;
      }
      int match = -1;
      for (int k = 0; k < keys.length; k++) {
        if (at[k] < 0 && keyEnd - i - 2 == keys[k].length() && json.regionMatches(i + 1, keys[k], 0, keys[k].length())) {
          match = k;
          break;
        }
      }
      i = skipWs(json, keyEnd);
      if (i >= n || json.charAt(i) != ':') {
        return at;
      }
      i = skipWs(json, i + 1);
      if (match >= 0 && i < n) {
        at[match] = i;
        missing--;
      }
      i = skipValue(json, i);
      if (i < 0) {
        return at;
      }
      i = skipWs(json, i);
      if (i >= n || json.charAt(i) != ',') {
        return at;
      }
      i = skipWs(json, i + 1);
    }
    return at;
  }

  /** The top-level string {@code key} of the object text, unescaped; null when absent, not a string, or malformed. */
  public static String string(String json, String key) {
    return string(json, 0, key);
  }

  public static String string(String json, int from, String key) {
    int at = valueOf(json, from, key);
    return at < 0 ? null : stringAt(json, at);
  }

  /** The top-level integer {@code key}, or {@code otherwise} when absent, null, fractional or malformed. */
  public static long integer(String json, String key, long otherwise) {
    return integer(json, 0, key, otherwise);
  }

  public static long integer(String json, int from, String key, long otherwise) {
    return integerAt(json, valueOf(json, from, key), otherwise);
  }

  /** The integer whose text starts at {@code at}, or {@code otherwise} when there is none there. */
  public static long integerAt(String json, int at, long otherwise) {
    if (at < 0) {
      return otherwise;
    }
    int end = skipValue(json, at);
    if (end < 0 || end == at) {
      return otherwise;
    }
    int i = at;
    boolean negative = json.charAt(i) == '-';
    if (negative) {
      i++;
    }
    if (i == end || end - i > 18) {
      return otherwise;
    }
    long value = 0;
    for (; i < end; i++) {
      char c = json.charAt(i);
      if (c < '0' || c > '9') {
        return otherwise;
      }
      value = value * 10 + (c - '0');
    }
    return negative ? -value : value;
  }

  /** The string value whose opening quote is at {@code at}, unescaped; null when there is none there or it is malformed. */
  public static String stringAt(String json, int at) {
    if (at < 0 || at >= json.length() || json.charAt(at) != '"') {
      return null;
    }
    int end = skipString(json, at);
    if (end < 0) {
      return null;
    }
    for (int i = at + 1; i < end - 1; i++) {
      if (json.charAt(i) == '\\') {
        return unescape(json, at + 1, end - 1);
      }
    }
    return json.substring(at + 1, end - 1);
  }

  /** Index just after the JSON value starting at {@code i}, or -1 when it is malformed or cut. */
  public static int skipValue(String s, int i) {
    int n = s.length();
    if (i >= n) {
      return -1;
    }
    char c = s.charAt(i);
    if (c == '"') {
      return skipString(s, i);
    }
    if (c == '{' || c == '[') {
      int depth = 0;
      while (i < n) {
        c = s.charAt(i);
        if (c == '"') {
          i = skipString(s, i);
          if (i < 0) {
            return -1;
          }
          continue;
        }
        if (c == '{' || c == '[') {
          depth++;
        } else if (c == '}' || c == ']') {
          if (--depth == 0) {
            return i + 1;
          }
        }
        i++;
      }
      return -1;
    }
    int start = i;
    while (i < n) {
      c = s.charAt(i);
      if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        break;
      }
      i++;
    }
    return i == start ? -1 : i;
  }

  /** Index just after the closing quote of the string whose opening quote is at {@code i}, or -1. */
  static int skipString(String s, int i) {
    int n = s.length();
    for (int j = i + 1; j < n; j++) {
      char c = s.charAt(j);
      if (c == '\\') {
        j++;
      } else if (c == '"') {
        return j + 1;
      }
    }
    return -1;
  }

  private static int skipWs(String s, int i) {
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        break;
      }
      i++;
    }
    return i;
  }

  private static String unescape(String s, int from, int to) {
    StringBuilder out = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (++i >= to) {
        return null;
      }
      switch (s.charAt(i)) {
        case '"' -> out.append('"');
        case '\\' -> out.append('\\');
        case '/' -> out.append('/');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          if (i + 4 >= to) {
            return null;
          }
          int code = 0;
          for (int k = 1; k <= 4; k++) {
            int digit = Character.digit(s.charAt(i + k), 16);
            if (digit < 0) {
              return null;
            }
            code = code * 16 + digit;
          }
          out.append((char) code);
          i += 4;
        }
        default -> {
          return null;
        }
      }
    }
    return out.toString();
  }

  /** {@code text} as a JSON string literal, quotes included (what Jackson writes for it). */
  public static StringBuilder quote(StringBuilder out, String text) {
    out.append('"');
    int n = text.length();
    int run = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      String escape = null;
      if (c == '"') {
        escape = "\\\"";
      } else if (c == '\\') {
        escape = "\\\\";
      } else if (c < 0x20) {
        escape = switch (c) {
          case '\n' -> "\\n";
          case '\r' -> "\\r";
          case '\t' -> "\\t";
          case '\b' -> "\\b";
          case '\f' -> "\\f";
          default -> String.format("\\u%04X", (int) c);
        };
      }
      if (escape != null) {
        out.append(text, run, i).append(escape);
        run = i + 1;
      }
    }
    return out.append(text, run, n).append('"');
  }

  /**
   * The length (in chars) of the JSON text Vert.x encodes {@code value} to, counted without writing
   * it: JSON objects and arrays (and the maps and lists inside them), strings with the encoder's
   * escapes ({@code \"}, {@code \\}, {@code \n} and the other control characters), numbers,
   * booleans and null; any other value is encoded to count it. For estimates over whole requests
   * (tokens at 4 characters each), where encoding each time was most of what an estimate cost.
   */
  public static long encodedLength(Object value) {
    if (value == null) {
      return 4;
    }
    if (value instanceof String s) {
      return quotedLength(s);
    }
    if (value instanceof JsonObject o) {
      return mapLength(o.getMap());
    }
    if (value instanceof JsonArray a) {
      return listLength(a.getList());
    }
    if (value instanceof Map<?, ?> m) {
      return mapLength(m);
    }
    if (value instanceof List<?> l) {
      return listLength(l);
    }
    if (value instanceof Boolean b) {
      return b ? 4 : 5;
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
        || value instanceof Double || value instanceof Float || value instanceof BigInteger
        || value instanceof BigDecimal) {
      return value.toString().length();
    }
    return Json.encode(value).length();
  }

  private static long mapLength(Map<?, ?> map) {
    long n = 2 + Math.max(0, map.size() - 1); // braces and commas
    for (Map.Entry<?, ?> e : map.entrySet()) {
      n += quotedLength(String.valueOf(e.getKey())) + 1 + encodedLength(e.getValue());
    }
    return n;
  }

  private static long listLength(List<?> list) {
    long n = 2 + Math.max(0, list.size() - 1);
    for (Object item : list) {
      n += encodedLength(item);
    }
    return n;
  }

  private static long quotedLength(String s) {
    long n = s.length() + 2;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\' || c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r') {
        n += 1;
      } else if (c < 0x20) {
        n += 5; // written as a six-character escape
      }
    }
    return n;
  }
}
