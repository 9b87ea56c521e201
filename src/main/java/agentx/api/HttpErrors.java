package agentx.api;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place where failures become HTTP answers: {@code {error, code, details?}}, never a stack trace. */
final class HttpErrors {
  private static final Logger log = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {}

  static void send(RoutingContext ctx, ErrorCode code, String sentence) {
    send(ctx, code, sentence, null);
  }

  static void send(RoutingContext ctx, ErrorCode code, String sentence, Object details) {
    JsonObject body = new JsonObject().put("error", sentence).put("code", code.name());
    if (details != null) {
      body.put("details", details);
    }
    write(ctx, code, body);
  }

  /** Any failure of a handler or of a bus request. */
  static void send(RoutingContext ctx, Throwable failure) {
    JsonObject body = body(failure, "Request " + ctx.request().method() + " " + ctx.request().path());
    if (body.getValue("details") instanceof JsonObject d && d.containsKey("retry_after_s")
        && ErrorCode.of(failure) == ErrorCode.LLM_RATE_LIMITED) {
      ctx.response().putHeader("Retry-After", String.valueOf(d.getLong("retry_after_s")));
    }
    write(ctx, ErrorCode.of(failure), body);
  }

  /**
   * The error body {@code {error, code, details?}} of any failure, for HTTP and for the bridge's
   * replies alike. An INTERNAL failure is logged with {@code where} and its message is not shown.
   */
  static JsonObject body(Throwable failure, String where) {
    ErrorCode code = ErrorCode.of(failure);
    String sentence = failure.getMessage();
    if (code == ErrorCode.INTERNAL) {
      log.error("{} failed", where, failure);
      sentence = "Something went wrong inside the server; the log has the details.";
    }
    JsonObject body = new JsonObject().put("error", sentence == null ? code.name() : sentence).put("code", code.name());
    if (failure instanceof AgentXException e && e.details() != null) {
      body.put("details", e.details());
    }
    return body;
  }

  private static void write(RoutingContext ctx, ErrorCode code, JsonObject body) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(code.httpStatus()).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** Router failure handler: statuses set by vertx-web itself (413 from the body handler, 404, 405…). */
  static void onRouteFailure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status = ctx.statusCode();
    // vertx-web's own refusals come with a 4xx status (a request it cannot route: no Host, a malformed one): the client's fault
    boolean refusedByVertx = failure != null && !(failure instanceof AgentXException) && status >= 400 && status < 500;
    if (failure != null && !refusedByVertx) {
      send(ctx, failure);
      return;
    }
    if (refusedByVertx && status == 400) {
      send(ctx, ErrorCode.VALIDATION_FAILED, "The request is malformed: " + failure.getMessage() + ".");
      return;
    }
    switch (status) {
      case 413 -> send(ctx, ErrorCode.PAYLOAD_TOO_LARGE, "The request body is larger than the server accepts.");
      case 404 -> send(ctx, ErrorCode.NOT_FOUND, "There is nothing at " + ctx.request().path() + ".");
      case 405 -> send(ctx, ErrorCode.METHOD_NOT_ALLOWED, ctx.request().method() + " is not allowed on " + ctx.request().path() + ".");
      case 401 -> send(ctx, ErrorCode.UNAUTHORIZED, "A valid bearer token is required.");
      case 400 -> send(ctx, ErrorCode.VALIDATION_FAILED, "The request is malformed.");
      default -> send(ctx, ErrorCode.INTERNAL, "Something went wrong inside the server; the log has the details.");
    }
  }

  /**
   * Requests the HTTP decoder could not take (a URI or header too long, a malformed request line)
   * never reach the router: they still get a JSON error, then the connection is closed.
   */
  static void onInvalidRequest(io.vertx.core.http.HttpServerRequest request) {
    Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
    ErrorCode code;
    String sentence;
    if (cause instanceof io.netty.handler.codec.http.TooLongHttpLineException) {
      code = ErrorCode.URI_TOO_LONG;
      sentence = "The request line (method and URI) is longer than the server accepts.";
    } else if (cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException) {
      code = ErrorCode.REQUEST_HEADER_TOO_LARGE;
      sentence = "The request headers are larger than the server accepts.";
    } else {
      code = ErrorCode.VALIDATION_FAILED;
      sentence = "The request is not valid HTTP.";
    }
    request.response().setStatusCode(code.httpStatus()).putHeader("Content-Type", "application/json").putHeader("Connection", "close")
        .end(new JsonObject().put("error", sentence).put("code", code.name()).encode())
        .onComplete(done -> request.connection().close());
  }
}
