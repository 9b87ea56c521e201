package agentx.api;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.regex.Pattern;

/** Reading and checking what a request carries; every refusal is an {@link AgentXException} with its code. */
final class Requests {
  private static final Pattern UUID_TEXT = Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

  private Requests() {}

  /** The body as a JSON object; an empty body is {@code {}}. */
  static JsonObject jsonBody(RoutingContext ctx) {
    var body = ctx.body();
    if (body == null || body.buffer() == null || body.length() <= 0) {
      return new JsonObject();
    }
    return StrictJson.object(body.buffer().getBytes(), "The request body");
  }

  static String sessionId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || !UUID_TEXT.matcher(id).matches()) {
      throw new AgentXException(ErrorCode.INVALID_SESSION_ID, "'" + id + "' is not a session id (a UUID is expected).");
    }
    return id.toLowerCase();
  }

  static boolean isSessionId(String text) {
    return text != null && UUID_TEXT.matcher(text).matches();
  }

  /** An optional string field: absent or null gives null, anything but a string is refused. */
  static String optionalString(JsonObject body, String field, int maxLength) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw invalid(field + " must be a string.");
    }
    if (s.length() > maxLength) {
      throw invalid(field + " must be at most " + maxLength + " characters.");
    }
    return s;
  }

  static String requiredString(JsonObject body, String field, int maxLength) {
    String value = optionalString(body, field, maxLength);
    if (value == null || value.isBlank()) {
      throw invalid(field + " is required and must be a non-empty string.");
    }
    return value;
  }

  static JsonObject optionalObject(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject o)) {
      throw invalid(field + " must be a JSON object.");
    }
    return o;
  }

  /** Only these fields may appear: a typo in a field name is an error, not silently ignored. */
  static void onlyFields(JsonObject body, String... allowed) {
    outer:
    for (String name : body.fieldNames()) {
      for (String a : allowed) {
        if (a.equals(name)) {
          continue outer;
        }
      }
      throw invalid(name + " is not a field of this request (allowed: " + String.join(", ", allowed) + ").");
    }
  }

  static int intParam(RoutingContext ctx, String name, int defaultValue, int min, int max) {
    String text = ctx.queryParams().get(name);
    if (text == null || text.isEmpty()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(text);
      if (value < min || value > max) {
        throw invalid(name + " must be between " + min + " and " + max + ".");
      }
      return value;
    } catch (NumberFormatException e) {
      throw invalid(name + " must be a whole number.");
    }
  }

  static long longParam(RoutingContext ctx, String name, long defaultValue) {
    String text = ctx.queryParams().get(name);
    if (text == null || text.isEmpty()) {
      return defaultValue;
    }
    try {
      long value = Long.parseLong(text);
      if (value < 0) {
        throw invalid(name + " must be zero or more.");
      }
      return value;
    } catch (NumberFormatException e) {
      throw invalid(name + " must be a whole number.");
    }
  }

  static AgentXException invalid(String sentence) {
    return new AgentXException(ErrorCode.VALIDATION_FAILED, sentence);
  }
}
