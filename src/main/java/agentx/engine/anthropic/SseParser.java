package agentx.engine.anthropic;

import java.util.function.Consumer;

/**
 * A line-oriented Server-Sent Events parser (the WHATWG rules the official SDKs follow). It does no
 * I/O: the caller feeds it the lines of the body, without their line terminator.
 */
public final class SseParser {
  private final Consumer<SseEvent> sink;
  private String event;
  private StringBuilder data;

  public SseParser(Consumer<SseEvent> sink) {
    this.sink = sink;
  }

  /** Feeds one line; a blank line dispatches the event gathered so far. */
  public void line(String line) {
    if (line.endsWith("\r")) {
      line = line.substring(0, line.length() - 1);
    }
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.startsWith(":")) {
      return; // a comment, used by servers as a keep-alive
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "event" -> event = value;
      case "data" -> {
        if (data == null) {
          data = new StringBuilder(value);
        } else {
          data.append('\n').append(value);
        }
      }
      default -> {
        // "id", "retry" and unknown fields mean nothing for the Messages API
      }
    }
  }

  /** End of the body: an event without its closing blank line is incomplete and dropped. */
  public void end() {
    reset();
  }

  private void dispatch() {
    // Per the SSE spec an event without any data line is not dispatched.
    if (data != null) {
      sink.accept(new SseEvent(event == null ? "message" : event, data.toString()));
    }
    reset();
  }

  private void reset() {
    event = null;
    data = null;
  }
}
