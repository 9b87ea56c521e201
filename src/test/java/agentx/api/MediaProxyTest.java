package agentx.api;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.config.AgentXConfig;
import agentx.testing.Poll;
import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The media proxy against a ComfyUI whose {@code /view} sends a large file as fast as it is taken: it
 * counts what it managed to hand to its socket, so the test sees whether the proxy reads ComfyUI at
 * the client's pace or buffers the file.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The media proxy at the client's pace")
class MediaProxyTest {
  private static final int CHUNK = 64 * 1024;
  private static final long FILE_BYTES = 96L * 1024 * 1024;

  @TempDir Path dir;

  /** A /view that writes FILE_BYTES, pausing whenever its write queue is full; {@code sent} counts what it wrote. */
  private static HttpServer slowView(Vertx vertx, AtomicLong sent, AtomicBoolean closed) {
    Buffer chunk = Buffer.buffer(new byte[CHUNK]);
    return vertx.createHttpServer().requestHandler(req -> {
      HttpServerResponse res = req.response().putHeader("Content-Type", "image/png")
          .putHeader("Content-Length", String.valueOf(FILE_BYTES));
      res.closeHandler(v -> closed.set(true));
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (sent.get() < FILE_BYTES && !res.writeQueueFull() && !closed.get()) {
          res.write(chunk);
          sent.addAndGet(CHUNK);
        }
        if (sent.get() >= FILE_BYTES) {
          res.end();
        } else if (!closed.get()) {
          res.drainHandler(v -> pump[0].run());
        }
      };
      pump[0].run();
    }).listen(0, "127.0.0.1").await();
  }

  @Test
  @DisplayName("a client that stops reading holds ComfyUI back (the file is not buffered), and one that leaves stops the download")
  void slowAndGoneClients(Vertx vertx) throws Exception {
    AtomicLong sent = new AtomicLong();
    AtomicBoolean closed = new AtomicBoolean();
    HttpServer comfy = slowView(vertx, sent, closed);
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of(AgentXConfig.COMFYUI_URL,
        "http://127.0.0.1:" + comfy.actualPort()))).await();
    String id = rt.createSession(new JsonObject()).await().getString("session_id");
    try (Socket socket = new Socket("127.0.0.1", rt.port())) {
      socket.setReceiveBufferSize(64 * 1024);
      socket.getOutputStream().write(("GET /api/agentx/sessions/" + id + "/media?filename=big.png HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      byte[] head = new byte[1024];
      int n = in.read(head);
      assertThat(new String(head, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
      // the client reads nothing more: ComfyUI may fill the sockets' buffers on the way, not hand over the file
      Poll.until(Duration.ofSeconds(10), "ComfyUI started sending", () -> sent.get() > 0);
      Thread.sleep(2_000);
      long whileStalled = sent.get();
      assertThat(whileStalled).as("bytes ComfyUI could send to a proxy whose client reads nothing").isLessThan(FILE_BYTES / 2);
    }
    // the client is gone: the proxy lets go of ComfyUI's answer
    Poll.until(Duration.ofSeconds(10), "ComfyUI's connection closed", closed::get);
    assertThat(sent.get()).isLessThan(FILE_BYTES);
    assertThat(rt.http.get("/health").send().await().statusCode()).isEqualTo(200);
    comfy.close().await();
  }
}
