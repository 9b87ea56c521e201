package agentx.engine.anthropic;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** One streaming call to the Messages API, retries included. */
public interface StreamCall {

  /**
   * The complete assistant message (see {@link MessageAccumulator#message()}), or an {@link
   * AnthropicException}.
   */
  Future<JsonObject> result();

  /**
   * Aborts the call: resets the request in flight, drops a pending retry, fails {@link #result()}
   * with {@link AnthropicException.Kind#CANCELLED}. No listener callback follows. Safe from any
   * thread and more than once.
   */
  void cancel();
}
