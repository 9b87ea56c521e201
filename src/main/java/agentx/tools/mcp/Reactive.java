package agentx.tools.mcp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import reactor.core.publisher.Mono;

/** Bridges the SDK's Reactor types to Vert.x futures that complete on a Vert.x context. */
final class Reactive {
  private Reactive() {}

  /** Subscribes now; the future completes on {@code context}, with null for an empty Mono. */
  static <T> Future<T> toFuture(Mono<T> mono, Context context) {
    return Future.fromCompletionStage(mono.toFuture(), context);
  }
}
