package agentx.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class StartTurnTest {
  @Test
  @DisplayName("a waiting request takes the hand-over answer; one from an older node (no such field) and a queued one do not")
  void handOverIsAskedFor() {
    StartTurn waits = new StartTurn("s", "t", "hi", null, true);
    assertThat(StartTurn.fromJson(waits.toJson()).handOverAnswered()).isTrue();
    assertThat(StartTurn.fromJson(new StartTurn("s", "t", "hi", null, false).toJson()).handOverAnswered()).isFalse();
    JsonObject older = waits.toJson();
    older.remove("hand_over_answered");
    assertThat(StartTurn.fromJson(older).handOverAnswered()).isFalse();
    assertThat(StartTurn.fromJson(older).awaitEnd()).isTrue();
  }

  @Test
  @DisplayName("the hand-over answer crosses the bus as a 503 the asker tells from any other")
  void handOverCrossesTheBus(Vertx vertx) {
    vertx.eventBus().<JsonObject>consumer("test.hand-over", m -> AgentXException.failReply(m, StartTurn.handedOver("t-1")));
    vertx.eventBus().<JsonObject>consumer("test.other", m -> AgentXException.failReply(m,
        new AgentXException(ErrorCode.SERVICE_UNAVAILABLE, "The server is stopping.")));

    Throwable failure = Bus.request(vertx, "test.hand-over", new JsonObject()).map(ok -> (Throwable) null).otherwise(e -> e).await();
    Throwable other = Bus.request(vertx, "test.other", new JsonObject()).map(ok -> (Throwable) null).otherwise(e -> e).await();

    assertThat(StartTurn.isHandedOver(failure)).isTrue();
    assertThat(ErrorCode.of(failure)).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
    assertThat(failure.getMessage()).contains("kept and resumed");
    assertThat(((JsonObject) ((AgentXException) failure).details()).getString("turn_id")).isEqualTo("t-1");
    assertThat(StartTurn.isHandedOver(other)).isFalse();
    assertThat(ErrorCode.of(other)).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
  }
}
