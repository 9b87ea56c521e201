package agentx.engine.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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

  private static List<SseEvent> parsedWhole(byte[] body) {
    List<SseEvent> out = new ArrayList<>();
    SseParser whole = new SseParser(out::add);
    whole.feed(body, 0, body.length);
    whole.end();
    return out;
  }

  @Test
  @DisplayName("a body cut anywhere into two pieces, or fed a byte at a time, gives the same events as the whole (lines, CRLF and multi-byte characters cut in two)")
  void piecesCutAnywhere() {
    String transcript = Transcripts.load("sse_text.sse");
    byte[] body = (transcript + "event: note\r\ndata: héllo ✓ 😀\r\ndata: second\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    List<SseEvent> expected = parsedWhole(body);
    assertThat(expected).hasSizeGreaterThan(5).last().isEqualTo(new SseEvent("note", "héllo ✓ 😀\nsecond"));
    for (int cut = 0; cut <= body.length; cut++) {
      List<SseEvent> got = new ArrayList<>();
      SseParser pieces = new SseParser(got::add);
      byte[] first = Arrays.copyOfRange(body, 0, cut);
      byte[] second = Arrays.copyOfRange(body, cut, body.length);
      pieces.feed(first, 0, first.length);
      pieces.feed(second, 0, second.length);
      assertThat(got).as("cut at byte %d", cut).isEqualTo(expected);
    }
    List<SseEvent> got = new ArrayList<>();
    SseParser bytes = new SseParser(got::add);
    for (int i = 0; i < body.length; i++) {
      bytes.feed(body, i, i + 1);
    }
    assertThat(got).isEqualTo(expected);
  }

  @Test
  @DisplayName("reading stops after the line where it is told to, says where, and goes on from there when fed the rest")
  void stopsWhereTold() {
    byte[] body = "data: one\n\ndata: two\n\ndata: three\n\n".getBytes(StandardCharsets.UTF_8);
    int stopped = parser.feed(body, 0, body.length, () -> events.size() == 1);
    assertThat(events).extracting(SseEvent::data).containsExactly("one");
    assertThat(new String(body, stopped, body.length - stopped, StandardCharsets.UTF_8)).isEqualTo("data: two\n\ndata: three\n\n");
    assertThat(parser.feed(body, stopped, body.length, () -> false)).isEqualTo(body.length);
    assertThat(events).extracting(SseEvent::data).containsExactly("one", "two", "three");
  }

  @Test
  @DisplayName("a line that never ends fails the stream once it passes the limit, instead of growing without bound")
  void endlessLine() {
    byte[] piece = new byte[1024 * 1024];
    Arrays.fill(piece, (byte) 'x');
    for (int i = 0; i < SseParser.MAX_LINE_BYTES / piece.length; i++) {
      parser.feed(piece, 0, piece.length);
    }
    assertThatThrownBy(() -> parser.feed(piece, 0, 1))
        .isInstanceOf(AnthropicException.class).hasMessageContaining("without ending");
    assertThat(events).isEmpty();
  }
}
