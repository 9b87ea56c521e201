package agentx.engine.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SseParserTest {
  private final List<SseEvent> events = new ArrayList<>();
  private final SseParser parser = new SseParser(events::add);

  private void feed(String... lines) {
    for (String line : lines) {
      parser.line(line);
    }
  }

  @Test
  @DisplayName("a blank line ends an event carrying its name and data")
  void dispatchesOnBlankLine() {
    feed("event: ping", "data: {\"type\": \"ping\"}");
    assertThat(events).isEmpty();
    feed("");
    assertThat(events).containsExactly(new SseEvent("ping", "{\"type\": \"ping\"}"));
  }

  @Test
  @DisplayName("several data lines are joined with a newline")
  void joinsDataLines() {
    feed("event: x", "data: first", "data: second", "");
    assertThat(events).containsExactly(new SseEvent("x", "first\nsecond"));
  }

  @Test
  @DisplayName("data: with or without one leading space; only one space is removed")
  void leadingSpace() {
    feed("data:tight", "", "data: spaced", "", "data:  two", "");
    assertThat(events).extracting(SseEvent::data).containsExactly("tight", "spaced", " two");
  }

  @Test
  @DisplayName("comment lines are ignored and an event without a name is a 'message'")
  void commentsAndDefaultName() {
    feed(": keep-alive", "data: {}", ": another", "");
    assertThat(events).containsExactly(new SseEvent("message", "{}"));
  }

  @Test
  @DisplayName("a trailing \\r is tolerated (CRLF bodies)")
  void crlf() {
    feed("event: message_stop\r", "data: {\"type\":\"message_stop\"}\r", "\r");
    assertThat(events).containsExactly(new SseEvent("message_stop", "{\"type\":\"message_stop\"}"));
  }

  @Test
  @DisplayName("blank lines without data dispatch nothing, and an unterminated event at EOF is dropped")
  void noPartialEvents() {
    feed("", "", "event: only-a-name", "");
    feed("event: content_block_delta", "data: {\"half\":");
    parser.end();
    feed("");
    assertThat(events).isEmpty();
  }

  @Test
  @DisplayName("fields are matched whole: a line that is only 'data' is an empty data line, 'datum:' or 'events:' mean nothing, the last event: wins")
  void fieldsMatchedWhole() {
    feed("data", "datum: no", "data: x", "events: no", "event: a", "event: b", "data:", "id: 3", "");
    feed("data:  two spaces\r", "");
    assertThat(events).containsExactly(new SseEvent("b", "\nx\n"), new SseEvent("message", " two spaces"));
  }
}
