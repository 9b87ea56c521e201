package agentx.tools.comfyui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Reads tool arguments; a missing or mistyped one is refused with a sentence naming it. */
final class Args {
  private Args() {}

  static String string(JsonObject args, String name) {
    Object value = args.getValue(name);
    if (value instanceof String s && !s.isBlank()) {
      return s;
    }
    if (value instanceof Number n) {
      return n.toString(); // node ids sent as numbers: ComfyUI's ids are strings
    }
    throw new ToolRefusal("The argument '" + name + "' is required and must be a non-empty string.");
  }

  static String optString(JsonObject args, String name) {
    Object value = args.getValue(name);
    if (value == null) {
      return null;
    }
    return string(args, name);
  }

  static int optInt(JsonObject args, String name, int fallback, int min, int max) {
    Object value = args.getValue(name);
    if (value == null) {
      return fallback;
    }
    try {
      long parsed = value instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(value).strip());
      return (int) Math.max(min, Math.min(max, parsed));
    } catch (NumberFormatException e) {
      throw new ToolRefusal("The argument '" + name + "' must be an integer, got " + PyValues.repr(value) + ".");
    }
  }

  static boolean optBool(JsonObject args, String name, boolean fallback) {
    Object value = args.getValue(name);
    if (value == null) {
      return fallback;
    }
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw new ToolRefusal("The argument '" + name + "' must be true or false, got " + PyValues.repr(value) + ".");
  }

  static JsonObject object(JsonObject args, String name) {
    Object value = args.getValue(name);
    if (value instanceof JsonObject o) {
      return o;
    }
    if (value instanceof String s && s.strip().startsWith("{")) {
      try {
        return new JsonObject(s); // some clients send nested JSON as a string
      } catch (RuntimeException ignored) {
        // refused below
      }
    }
    throw new ToolRefusal("The argument '" + name + "' is required and must be a JSON object.");
  }

  static List<String> strings(JsonObject args, String name) {
    Object value = args.getValue(name);
    List<String> result = new ArrayList<>();
    if (value instanceof String s && !s.isBlank()) {
      result.add(s);
    } else if (value instanceof JsonArray array) {
      array.forEach(item -> {
        if (item != null) {
          result.add(String.valueOf(item));
        }
      });
    }
    if (result.isEmpty()) {
      throw new ToolRefusal("The argument '" + name + "' must be a non-empty list of strings.");
    }
    return result;
  }
}
