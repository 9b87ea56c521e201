package agentx.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EventPageTest {
  // a stored envelope whose data holds an escaped newline, quotes and a non-ASCII character, kept as stored
  static final String FIRST = "{\"type\":\"stream\",\"session_id\":\"s\",\"turn_id\":\"t\",\"seq\":7,\"timestamp\":\"x\",\"data\":\"a\\nb \\\"c\\\" \u00e9\"}";
  static final String SECOND = "{\"type\":\"turn\",\"session_id\":\"s\",\"turn_id\":\"t\",\"seq\":8,\"timestamp\":\"x\",\"data\":{\"cost_usd\":0.1}}";

  @Test
  @DisplayName("a page crosses the bus with each envelope's text exactly as stored, in order; an empty page stays empty")
  void busForm() {
    EventPage page = new EventPage(List.of(FIRST, SECOND), 8);
    EventPage back = EventPage.fromJson(new JsonObject(page.toJson().encode()));
    assertThat(back.envelopes()).containsExactly(FIRST, SECOND);
    assertThat(back.nextAfter()).isEqualTo(8);
    EventPage empty = EventPage.fromJson(new JsonObject(new EventPage(List.of(), 3).toJson().encode()));
    assertThat(empty.envelopes()).isEmpty();
    assertThat(empty.nextAfter()).isEqualTo(3);
  }

  @Test
  @DisplayName("REST's {events, next_after} holds the envelopes as JSON objects equal to the stored ones")
  void restForm() {
    JsonObject rest = new JsonObject(new EventPage(List.of(FIRST, SECOND), 8).restJson());
    assertThat(rest.fieldNames()).containsExactly("events", "next_after");
    assertThat(rest.getJsonArray("events")).isEqualTo(new JsonArray().add(new JsonObject(FIRST)).add(new JsonObject(SECOND)));
    assertThat(rest.getLong("next_after")).isEqualTo(8);
    assertThat(new JsonObject(new EventPage(List.of(), 0).restJson())).isEqualTo(new JsonObject().put("events", new JsonArray()).put("next_after", 0));
  }
}
