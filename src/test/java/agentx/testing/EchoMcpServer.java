package agentx.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tiny MCP server on stdio for tests: newline-delimited JSON-RPC on stdin/stdout, logs on
 * stderr. Tools: {@code echo{text}} (reports one progress step when asked), {@code pixel} (an
 * image block) and {@code boom} (an isError result). Writes its pid to {@code $ECHO_PID_FILE}
 * when set, so tests can kill it.
 */
public final class EchoMcpServer {
  /** A 1x1 transparent PNG. */
  public static final String PIXEL_PNG =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

  private EchoMcpServer() {}

  public static void main(String[] args) throws Exception {
    String pidFile = System.getenv("ECHO_PID_FILE");
    if (pidFile != null) {
      Files.writeString(Path.of(pidFile), Long.toString(ProcessHandle.current().pid()));
    }
    System.err.println("echo server started");
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (!line.isBlank()) {
        handle(new JsonObject(line));
      }
    }
  }

  private static void handle(JsonObject message) {
    String method = message.getString("method");
    Object id = message.getValue("id");
    if (method == null || id == null) {
      return; // a notification or a response: nothing to answer
    }
    JsonObject params = message.getJsonObject("params", new JsonObject());
    switch (method) {
      case "initialize" -> reply(id, new JsonObject()
          .put("protocolVersion", params.getString("protocolVersion", "2025-06-18"))
          .put("capabilities", new JsonObject().put("tools", new JsonObject()))
          .put("serverInfo", new JsonObject().put("name", "echo-test").put("version", "1")));
      case "ping" -> reply(id, new JsonObject());
      case "tools/list" -> reply(id, new JsonObject().put("tools", new JsonArray()
          .add(tool("echo", "Echoes text back", new JsonObject().put("text", new JsonObject().put("type", "string"))))
          .add(tool("pixel", "Returns a 1x1 PNG", new JsonObject()))
          .add(tool("boom", "Always fails", new JsonObject()))));
      case "tools/call" -> call(id, params);
      default -> send(new JsonObject().put("jsonrpc", "2.0").put("id", id)
          .put("error", new JsonObject().put("code", -32601).put("message", "Method not found: " + method)));
    }
  }

  private static void call(Object id, JsonObject params) {
    JsonObject arguments = params.getJsonObject("arguments", new JsonObject());
    JsonObject meta = params.getJsonObject("_meta");
    switch (params.getString("name", "")) {
      case "echo" -> {
        if (meta != null && meta.getValue("progressToken") != null) {
          send(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress").put("params",
              new JsonObject().put("progressToken", meta.getValue("progressToken")).put("progress", 1).put("total", 1)
                  .put("message", "echoing")));
        }
        reply(id, result(new JsonArray().add(text(arguments.getString("text", ""))), false));
      }
      case "pixel" -> reply(id, result(new JsonArray()
          .add(new JsonObject().put("type", "image").put("data", PIXEL_PNG).put("mimeType", "image/png")), false));
      case "boom" -> reply(id, result(new JsonArray().add(text("boom failed on purpose")), true));
      default -> reply(id, result(new JsonArray().add(text("no such tool")), true));
    }
  }

  private static JsonObject tool(String name, String description, JsonObject properties) {
    return new JsonObject().put("name", name).put("description", description)
        .put("inputSchema", new JsonObject().put("type", "object").put("properties", properties));
  }

  private static JsonObject result(JsonArray content, boolean isError) {
    return new JsonObject().put("content", content).put("isError", isError);
  }

  private static JsonObject text(String text) {
    return new JsonObject().put("type", "text").put("text", text);
  }

  private static void reply(Object id, JsonObject result) {
    send(new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result));
  }

  private static synchronized void send(JsonObject message) {
    OUT.println(message.encode());
  }
}
