package agentx.engine.anthropic;

import java.util.function.Consumer;

/**
 * A line-oriented Server-Sent Events parser (the WHATWG rules the official SDKs follow). It does no
 * I/O: the caller feeds it the lines of the body, without their line terminator.
 */
public final class SseParser {
  private final Consumer<SseEvent> sink;
  private String event;
  /** The event's only data line so far (most events have one); {@link #data} once there are more. */
  private String firstData;
  private StringBuilder data;

  public SseParser(Consumer<SseEvent> sink) {
    this.sink = sink;
  }

  /** Feeds one line; a blank line dispatches the event gathered so far. */
  public void line(String line) {
    // one call per line of every streamed token: fields are compared in place, and only the value is copied
    int end = line.length();
    if (end > 0 && line.charAt(end - 1) == '\r') {
      end--;
    }
    if (end == 0) {
      dispatch();
      return;
    }
    if (line.charAt(0) == ':') {
      return; // a comment, used by servers as a keep-alive
    }
    int colon = line.indexOf(':');
    if (colon < 0 || colon >= end) {
      colon = end;
    }
    int valueStart = Math.min(colon + 1, end);
    if (valueStart < end && line.charAt(valueStart) == ' ') {
      valueStart++;
    }
    if (colon == 4 && line.startsWith("data")) {
      String value = line.substring(valueStart, end);
      if (data == null && firstData == null) {
        firstData = value;
      } else {
        if (data == null) {
          data = new StringBuilder(firstData);
          firstData = null;
        }
        data.append('\n').append(value);
      }
    } else if (colon == 5 && line.startsWith("event")) {
      event = line.substring(valueStart, end);
    }
    // "id", "retry" and unknown fields mean nothing for the Messages API
  }

  /** End of the body: an event without its closing blank line is incomplete and dropped. */
  public void end() {
    reset();
  }

  private void dispatch() {
    // Per the SSE spec an event without any data line is not dispatched.
    if (firstData != null || data != null) {
      sink.accept(new SseEvent(event == null ? "message" : event, firstData != null ? firstData : data.toString()));
    }
    reset();
  }

  private void reset() {
    event = null;
    firstData = null;
    data = null;
  }
}
