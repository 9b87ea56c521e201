package agentx.api.mcp;

import io.vertx.core.json.JsonObject;

/** JSON-RPC 2.0 vocabulary: error codes, message builders and the shape of an incoming message. */
final class JsonRpc {
  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  static final int INTERNAL_ERROR = -32603;
  /** Transport-level refusals (missing session, bad header); implementation-defined range. */
  static final int SERVER_ERROR = -32000;
  static final int SESSION_NOT_FOUND = -32001;

  private JsonRpc() {}

  static JsonObject result(Object id, JsonObject result) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result);
  }

  static JsonObject error(Object id, int code, String message) {
    JsonObject error = new JsonObject().put("code", code).put("message", message);
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("error", error);
  }

  static JsonObject notification(String method, JsonObject params) {
    return new JsonObject().put("jsonrpc", "2.0").put("method", method).put("params", params);
  }

  /**
   * Key of a request id in maps: {@code 1} and {@code "1"} are different ids, and Jackson may give
   * an integer id as Integer or Long.
   */
  static String idKey(Object id) {
    if (id instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return "n:" + n.longValue();
    }
    return (id instanceof String ? "s:" : "n:") + id;
  }

  enum Kind { REQUEST, NOTIFICATION, RESPONSE, INVALID }

  /** One element of a POST body, classified once. {@code problem} explains an INVALID one. */
  record Message(Kind kind, Object id, String method, Object params, String problem) {

    static Message of(Object element) {
      if (!(element instanceof JsonObject json)) {
        return invalid(null, "a JSON-RPC message must be a JSON object");
      }
      Object id = json.getValue("id");
      boolean validId = id instanceof String || id instanceof Number;
      Object idForError = validId ? id : null;
      if (!"2.0".equals(json.getValue("jsonrpc"))) {
        return invalid(idForError, "\"jsonrpc\" must be \"2.0\"");
      }
      if (json.containsKey("method")) {
        if (!(json.getValue("method") instanceof String method) || method.isEmpty()) {
          return invalid(idForError, "\"method\" must be a non-empty string");
        }
        Object params = json.getValue("params");
        if (params != null && !(params instanceof JsonObject)) {
          return invalid(idForError, "\"params\" must be an object");
        }
        if (!json.containsKey("id")) {
          return new Message(Kind.NOTIFICATION, null, method, params, null);
        }
        if (!validId) {
          return invalid(null, "\"id\" must be a string or a number");
        }
        return new Message(Kind.REQUEST, id, method, params, null);
      }
      if (json.containsKey("result") || json.containsKey("error")) {
        return new Message(Kind.RESPONSE, id, null, null, null);
      }
      return invalid(idForError, "a message needs \"method\" (request or notification) or \"result\"/\"error\" (response)");
    }

    private static Message invalid(Object id, String problem) {
      return new Message(Kind.INVALID, id, null, null, problem);
    }

    JsonObject paramsObject() {
      return params instanceof JsonObject p ? p : new JsonObject();
    }

    /** The request's {@code params._meta.progressToken} (a string or a number), or null. */
    Object progressToken() {
      JsonObject meta = paramsObject().getJsonObject("_meta");
      Object token = meta == null ? null : meta.getValue("progressToken");
      return token instanceof String || token instanceof Number ? token : null;
    }

    JsonObject invalidResponse() {
      return error(id, INVALID_REQUEST, "Invalid Request: " + problem);
    }
  }
}
