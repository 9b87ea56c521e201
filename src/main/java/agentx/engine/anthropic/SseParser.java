package agentx.engine.anthropic;

import agentx.engine.anthropic.AnthropicException.Kind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A Server-Sent Events parser (the WHATWG rules the official SDKs follow) fed the body's bytes as they
 * arrive. It does no I/O. Lines end at {@code '\n'} (a {@code '\r'} before it is dropped); a line cut
 * between two pieces of the body is kept until its end arrives.
 *
 * <p>It reads the bytes where they are: a streamed token's three lines cost one string, its data
 * (docs/PERFORMANCE.md, round thirty-one). A line splitter that copied every line into a buffer of its
 * own, then into a string, then its value into another, took a twentieth of the runtime's CPU at 1,000
 * streams.
 */
public final class SseParser {
  /** A line longer than this (without its end) fails the stream: nothing Claude sends comes near it. */
  static final int MAX_LINE_BYTES = 8 * 1024 * 1024;

  private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);
  private static final BooleanSupplier NEVER = () -> false;

  private final Consumer<SseEvent> sink;
  private String event;
  /** The last event name read, handed out again when the next one is the same (a stream repeats a handful). */
  private String lastName;
  /** The event's only data line so far (most events have one); {@link #data} once there are more. */
  private String firstData;
  private StringBuilder data;
  /** The start of a line whose end has not arrived yet. */
  private byte[] partial;
  private int partialLength;

  public SseParser(Consumer<SseEvent> sink) {
    this.sink = sink;
  }

  /** Feeds one whole line, without its line terminator; a blank line dispatches the event gathered so far. */
  public void line(String line) {
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    line(bytes, 0, bytes.length);
  }

  /** Feeds a piece of the body: every line it completes is handled. */
  public void feed(byte[] bytes, int from, int to) {
    feed(bytes, from, to, NEVER);
  }

  /**
   * Feeds a piece of the body, asking {@code stop} after each line it handles whether to stop there.
   * Answers where it stopped: {@code to} when every byte was taken (a line without its end is kept for
   * the next piece), or the start of the first line not read, which the caller feeds again later.
   *
   * @throws AnthropicException when a line passes {@link #MAX_LINE_BYTES}
   */
  public int feed(byte[] bytes, int from, int to, BooleanSupplier stop) {
    int at = from;
    while (at < to) {
      int newline = indexOfNewline(bytes, at, to);
      if (newline < 0) {
        keep(bytes, at, to);
        return to;
      }
      if (partialLength > 0) {
        keep(bytes, at, newline);
        int length = partialLength;
        partialLength = 0;
        line(partial, 0, length);
        partial = null; // a long line's buffer is not kept for the rest of the stream
      } else {
        line(bytes, at, newline);
      }
      at = newline + 1;
      if (stop.getAsBoolean()) {
        return at;
      }
    }
    return to;
  }

  /** End of the body: an event without its closing blank line (or a line without its end) is incomplete and dropped. */
  public void end() {
    partial = null;
    partialLength = 0;
    reset();
  }

  private static int indexOfNewline(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private void keep(byte[] bytes, int from, int to) {
    int length = partialLength + (to - from);
    if (length > MAX_LINE_BYTES) {
      partial = null;
      partialLength = 0;
      throw new AnthropicException(Kind.UPSTREAM, "A line of Claude's stream passed " + MAX_LINE_BYTES + " bytes without ending");
    }
    if (partial == null || partial.length < length) {
      partial = Arrays.copyOf(partial == null ? new byte[0] : partial, Math.max(length, 256));
    }
    System.arraycopy(bytes, from, partial, partialLength, to - from);
    partialLength = length;
  }

  /** One line, {@code bytes[from, to)}, without its {@code '\n'}. Field names are compared in place; only a value is decoded. */
  private void line(byte[] bytes, int from, int to) {
    int end = to;
    if (end > from && bytes[end - 1] == '\r') {
      end--;
    }
    if (end == from) {
      dispatch();
      return;
    }
    if (bytes[from] == ':') {
      return; // a comment, used by servers as a keep-alive
    }
    int colon = from;
    while (colon < end && bytes[colon] != ':') {
      colon++;
    }
    int valueStart = Math.min(colon + 1, end);
    if (valueStart < end && bytes[valueStart] == ' ') {
      valueStart++;
    }
    if (named(bytes, from, colon, DATA)) {
      String value = new String(bytes, valueStart, end - valueStart, StandardCharsets.UTF_8);
      if (data == null && firstData == null) {
        firstData = value;
      } else {
        if (data == null) {
          data = new StringBuilder(firstData);
          firstData = null;
        }
        data.append('\n').append(value);
      }
    } else if (named(bytes, from, colon, EVENT)) {
      if (!sameName(lastName, bytes, valueStart, end)) {
        lastName = new String(bytes, valueStart, end - valueStart, StandardCharsets.UTF_8);
      }
      event = lastName;
    }
    // "id", "retry" and unknown fields mean nothing for the Messages API
  }

  private static boolean named(byte[] bytes, int from, int colon, byte[] name) {
    return colon - from == name.length && Arrays.equals(bytes, from, colon, name, 0, name.length);
  }

  /** Whether {@code bytes[from, to)} spell {@code name} (ASCII). */
  private static boolean sameName(String name, byte[] bytes, int from, int to) {
    if (name == null || name.length() != to - from) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) != bytes[from + i]) {
        return false;
      }
    }
    return true;
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
