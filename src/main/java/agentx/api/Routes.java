package agentx.api;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import java.util.function.Supplier;

/** Small adapters from "a function giving a Future" to a route handler with our error answers. */
final class Routes {
  private Routes() {}

  /** Answers the handler's JSON with {@code status}, or the failure as {@code {error, code}}. */
  static Handler<RoutingContext> json(int status, Function<RoutingContext, Future<JsonObject>> handler) {
    return jsonText(status, ctx -> handler.apply(ctx).map(JsonObject::encode));
  }

  /** {@link #json} for a body that is JSON text already (an event page: the stored envelopes as they are). */
  static Handler<RoutingContext> jsonText(int status, Function<RoutingContext, Future<String>> handler) {
    return ctx -> run(ctx, () -> handler.apply(ctx).onSuccess(body -> reply(ctx, status, body)));
  }

  /** Answers {@code body} with {@code status} unless the response already ended. */
  static Void reply(RoutingContext ctx, int status, JsonObject body) {
    return reply(ctx, status, body.encode());
  }

  private static Void reply(RoutingContext ctx, int status, String json) {
    if (!ctx.response().ended()) {
      ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(json);
    }
    return null;
  }

  /** Runs {@code work}; a thrown exception or failed future becomes the error answer. */
  static void run(RoutingContext ctx, Supplier<Future<?>> work) {
    Future<?> future;
    try {
      future = work.get();
    } catch (RuntimeException e) {
      future = Future.failedFuture(e);
    }
    future.onFailure(failure -> HttpErrors.send(ctx, failure));
  }
}
