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

  /**
   * Stops ({@code true}) or resumes ({@code false}) reading the stream while what it produced is
   * still being stored and delivered: back-pressure from the event log to Claude's connection, so a
   * slow store holds tokens in the TCP window instead of the heap. Held time is not a stall.
   */
  default void hold(boolean held) {}
}
