package agentx.protocol;

import agentx.events.AgentXException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The serving side of the bus: one consumer per address, every failure answered with its code, never a stack trace. */
public final class Serving {
  private static final Logger log = LoggerFactory.getLogger(Serving.class);

  private Serving() {}

  /**
   * Answers requests on {@code address} with {@code handler}; a thrown exception or failed future
   * goes back as {@code fail(code, sentence)}. Wait for {@link MessageConsumer#completion()} before
   * saying the service is up, or a request from another node can find no handler.
   */
  public static MessageConsumer<Object> serve(Vertx vertx, String address, Function<JsonObject, Future<JsonObject>> handler) {
    return vertx.eventBus().consumer(address, message -> {
      Future<JsonObject> answer;
      try {
        JsonObject body = message.body() instanceof JsonObject json ? json : new JsonObject();
        answer = handler.apply(body);
      } catch (RuntimeException e) {
        answer = Future.failedFuture(e);
      }
      answer.onSuccess(message::reply).onFailure(failure -> {
        if (!(failure instanceof AgentXException)) {
          log.error("Request on {} failed", address, failure);
        }
        AgentXException.failReply(message, failure);
      });
    });
  }
}
