package agentx.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code curl -N}-style SSE client on a plain socket: it writes the HTTP/1.1 request itself, reads
 * the status and headers, undoes the chunked transfer encoding and splits the body into SSE events
 * (and comments). Blocking: use it from the test thread, never from an event loop.
 */
public final class SseClient implements AutoCloseable {
  /** One SSE event as the client saw it: {@code id}, {@code event} and the {@code data} parsed as JSON. */
  public record Event(String id, String event, JsonObject data) {}

  public final int status;
  public final Map<String, String> headers = new LinkedHashMap<>();
  public final List<String> comments = new ArrayList<>();
  /** HTTP chunks of the body read so far (chunked transfer encoding). */
  public int chunks;
  private final Socket socket;
  private final InputStream in;
  private int chunkLeft;
  private boolean ended;
  private final StringBuilder pending = new StringBuilder();

  private SseClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    String statusLine = line();
    status = Integer.parseInt(statusLine.split(" ")[1]);
    for (String header = line(); !header.isEmpty(); header = line()) {
      int colon = header.indexOf(':');
      headers.put(header.substring(0, colon).trim().toLowerCase(), header.substring(colon + 1).trim());
    }
  }

  /** Opens {@code GET path} with extra headers ({@code "Last-Event-ID", "3"}, ...). */
  public static SseClient open(int port, String path, String... extraHeaders) throws IOException {
    return open(port, path, 0, extraHeaders);
  }

  /** As {@link #open(int, String, String...)} with a receive buffer of {@code receiveBuffer} bytes (0: the default). */
  public static SseClient open(int port, String path, int receiveBuffer, String... extraHeaders) throws IOException {
    Socket socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(15_000);
    StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n");
    for (int i = 0; i + 1 < extraHeaders.length; i += 2) {
      request.append(extraHeaders[i]).append(": ").append(extraHeaders[i + 1]).append("\r\n");
    }
    request.append("\r\n");
    OutputStream out = socket.getOutputStream();
    out.write(request.toString().getBytes(StandardCharsets.UTF_8));
    out.flush();
    return new SseClient(socket);
  }

  /** The whole (non-streamed) body of an error answer. */
  public String body() throws IOException {
    String length = headers.get("content-length");
    if (length != null) {
      return new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
    }
    StringBuilder all = new StringBuilder();
    int c;
    while ((c = bodyByte()) >= 0) {
      all.append((char) c);
    }
    return all.toString();
  }

  /** The next event, skipping comments (kept in {@link #comments}); null at the end of the stream. */
  public Event next() throws IOException {
    String id = null;
    String event = null;
    StringBuilder data = null;
    while (true) {
      String line = bodyLine();
      if (line == null) {
        return null;
      }
      if (line.isEmpty()) {
        if (data != null) {
          return new Event(id, event, new JsonObject(data.toString()));
        }
        continue;
      }
      if (line.startsWith(":")) {
        comments.add(line.substring(1).trim());
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
      switch (field) {
        case "id" -> id = value;
        case "event" -> event = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> { }
      }
    }
  }

  /** Reads events until one matches {@code type} (inclusive). */
  public List<Event> until(String type) throws IOException {
    List<Event> out = new ArrayList<>();
    for (Event e = next(); e != null; e = next()) {
      out.add(e);
      if (type.equals(e.event())) {
        return out;
      }
    }
    throw new IOException("the stream ended before a '" + type + "' event; got " + out.size() + " events");
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private String bodyLine() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int c;
    while ((c = bodyByte()) >= 0) {
      if (c == '\n') {
        return bytes.toString(StandardCharsets.UTF_8);
      }
      bytes.write(c);
    }
    return bytes.size() > 0 ? bytes.toString(StandardCharsets.UTF_8) : null;
  }

  /** One byte of the body with the chunked encoding undone; -1 at its end. */
  private int bodyByte() throws IOException {
    if (ended) {
      return -1;
    }
    if (!"chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      return in.read();
    }
    if (chunkLeft == 0) {
      String size = line();
      if (size.isEmpty()) {
        size = line(); // the CRLF that closes the previous chunk
      }
      chunkLeft = Integer.parseInt(size.split(";")[0].trim(), 16);
      chunks++;
      if (chunkLeft == 0) {
        ended = true;
        return -1;
      }
    }
    int c = in.read();
    if (c < 0) {
      ended = true;
      return -1;
    }
    chunkLeft--;
    return c;
  }

  /** A CRLF-terminated line of the head or of the chunk framing. */
  private String line() throws IOException {
    pending.setLength(0);
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        pending.append((char) c);
      }
    }
    if (c < 0 && pending.length() == 0) {
      throw new IOException("connection closed");
    }
    return pending.toString();
  }
}
