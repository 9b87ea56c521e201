package agentx.protocol;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** The agent engine ({@code agentx.engine.*}) as the API calls it: the only sender to those addresses. */
public final class EngineClient {
  private static final long CANCEL_TIMEOUT_MS = 5_000;

  private final Vertx vertx;

  public EngineClient(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Runs a turn and answers when it ends, or stops to wait for approvals; {@code timeoutMs} should cover the whole turn. */
  public Future<TurnOutcome> runTurn(StartTurn request, long timeoutMs) {
    return Bus.request(vertx, Addresses.ENGINE_TURN_START, request.toJson(), timeoutMs).map(TurnOutcome::fromJson);
  }

  /** Queues a turn nobody waits for; answers as soon as the engine took it. */
  public Future<TurnAccepted> queueTurn(StartTurn request) {
    return Bus.request(vertx, Addresses.ENGINE_TURN_START, request.toJson()).map(TurnAccepted::fromJson);
  }

  /** Cancels the session's running turn wherever it runs; {@code cancelled:false} when none runs. */
  public Future<CancelResult> cancel(String sessionId) {
    return Bus.request(vertx, Addresses.turnCancel(sessionId), new JsonObject(), CANCEL_TIMEOUT_MS)
        .map(CancelResult::fromJson)
        .recover(failure -> failure instanceof AgentXException e && e.code() == ErrorCode.SERVICE_UNAVAILABLE
            ? Future.succeededFuture(new CancelResult(false, null))
            : Future.failedFuture(failure));
  }

  /**
   * Cancels one turn by its id wherever it runs; fails {@code SERVICE_UNAVAILABLE} when no engine runs it
   * (an engine asks for the turn its own waiting turn is queued behind).
   */
  public Future<CancelResult> cancelTurn(String sessionId, String turnId, long timeoutMs) {
    return Bus.request(vertx, Addresses.turnCancel(sessionId, turnId), new JsonObject(), timeoutMs).map(CancelResult::fromJson);
  }

  public Future<NodeHealth.Engine> health(long timeoutMs) {
    return Bus.request(vertx, Addresses.ENGINE_HEALTH, new JsonObject(), timeoutMs).map(NodeHealth.Engine::fromJson);
  }
}
