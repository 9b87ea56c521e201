package agentx.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SessionEventTest {

  @Test
  @DisplayName("a message holds one event, several as lines of text, or an envelope object; seq and type are read without parsing")
  void each() {
    String first = "{\"type\":\"stream\",\"session_id\":\"s\",\"turn_id\":\"t\",\"seq\":7,\"timestamp\":\"x\",\"data\":\"a\\nb {\\\"seq\\\":1}\"}";
    String second = "{\"type\":\"turn\",\"session_id\":\"s\",\"turn_id\":\"t\",\"seq\":8,\"timestamp\":\"x\",\"data\":{\"seq\":99}}";
    List<SessionEvent> got = new ArrayList<>();
    SessionEvent.each(first + "\n" + second, got::add);
    SessionEvent.each(first, got::add);
    SessionEvent.each(new JsonObject(second), got::add);
    SessionEvent.each(42, got::add);
    assertThat(got).extracting(SessionEvent::seq).containsExactly(7L, 8L, 7L, 8L);
    assertThat(got).extracting(SessionEvent::type).containsExactly("stream", "turn", "stream", "turn");
    assertThat(got.get(0).json()).isEqualTo(first);
    assertThat(got.get(0).toJson().getString("data")).isEqualTo("a\nb {\"seq\":1}");
    assertThat(new JsonObject(got.get(3).json())).isEqualTo(new JsonObject(second));
  }
}
