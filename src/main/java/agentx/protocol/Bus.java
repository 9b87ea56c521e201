package agentx.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import io.vertx.core.json.JsonObject;

/**
 * Request/reply over the event bus with JSON bodies, and the bus's own failures turned into our codes.
 * Package-private on purpose: only the service clients ({@link StoreClient}, {@link EngineClient},
 * {@link ToolsClient}) send requests, so each address has exactly one caller in the code.
 */
final class Bus {
  static final long DEFAULT_TIMEOUT_MS = 30_000;

  private Bus() {}

  static Future<JsonObject> request(Vertx vertx, String address, JsonObject body) {
    return request(vertx, address, body, DEFAULT_TIMEOUT_MS);
  }

  static Future<JsonObject> request(Vertx vertx, String address, JsonObject body, long timeoutMs) {
    return vertx.eventBus()
        .<JsonObject>request(address, body, new DeliveryOptions().setSendTimeout(timeoutMs))
        .map(Message::body)
        .recover(failure -> Future.failedFuture(translate(address, failure)));
  }

  /** NO_HANDLERS means the component is not running anywhere in the cluster: say which one. */
  static Throwable translate(String address, Throwable failure) {
    if (failure instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      return AgentXException.fromReply(ErrorCode.fromFailureCode(re.failureCode()), re.getMessage());
    }
    if (failure instanceof ReplyException re && re.failureType() != ReplyFailure.RECIPIENT_FAILURE) {
      String component = component(address);
      if (re.failureType() == ReplyFailure.NO_HANDLERS) {
        ErrorCode code = address.startsWith("agentx.store.") ? ErrorCode.STORE_UNAVAILABLE : ErrorCode.SERVICE_UNAVAILABLE;
        return new AgentXException(code, "The " + component + " is not running, so the request cannot be served right now.");
      }
      return new AgentXException(ErrorCode.TIMEOUT, "The " + component + " did not answer in time.");
    }
    return failure;
  }

  private static String component(String address) {
    if (address.startsWith("agentx.store.")) {
      return "session store";
    }
    if (address.startsWith("agentx.engine.")) {
      return "agent engine";
    }
    if (address.startsWith("agentx.tools.")) {
      return "tools service";
    }
    return "service at " + address;
  }
}
