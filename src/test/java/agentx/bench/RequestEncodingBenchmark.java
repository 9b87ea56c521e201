package agentx.bench;

import agentx.engine.anthropic.RequestEncoding;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * What encoding a turn's request body costs, whole ({@code JsonObject.toBuffer()}) and with its tool
 * list and system prompt encoded once ({@link RequestEncoding#encodedOnce}): a body shaped like a ComfyUI turn's
 * (18 tools with schemas, 15 KB; a 4 KB system prompt; a short question). Not part of the suite; run
 * {@code ./mvnw -o -B test -Dtest=RequestEncodingBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class RequestEncodingBenchmark {
  private static final int BODIES = 20_000;

  @Test
  void run() {
    JsonArray tools = new JsonArray();
    for (int i = 0; i < 18; i++) {
      JsonObject properties = new JsonObject();
      for (int p = 0; p < 5; p++) {
        properties.put("param_" + p, new JsonObject().put("type", "string")
            .put("description", "A parameter of the tool, described in a sentence or two for the model to read " + p));
      }
      tools.add(new JsonObject().put("name", "tool_" + i)
          .put("description", "What tool " + i + " does, in a paragraph the model reads before it calls it; ComfyUI nodes, workflows, queues.")
          .put("input_schema", new JsonObject().put("type", "object").put("properties", properties).put("required", new JsonArray().add("param_0"))));
    }
    tools.getJsonObject(17).put("cache_control", new JsonObject().put("type", "ephemeral"));
    JsonArray system = new JsonArray().add(new JsonObject().put("type", "text").put("text", "x".repeat(4_000))
        .put("cache_control", new JsonObject().put("type", "ephemeral")));
    JsonObject body = new JsonObject().put("model", "claude-sonnet-4-5").put("max_tokens", 8192)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content",
            new JsonArray().add(new JsonObject().put("type", "text").put("text", "why does my workflow fail?")))))
        .put("system", RequestEncoding.encodedOnce(system)).put("tools", RequestEncoding.encodedOnce(tools)).put("stream", true);
    System.out.printf("body %,d bytes (tools %,d), %,d bodies a round, Java %s%n", body.encode().length(), tools.encode().length(), BODIES,
        System.getProperty("java.version"));
    long bytes = 0;
    for (int round = 1; round <= 8; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < BODIES; i++) {
        bytes += body.toBuffer().length();
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < BODIES; i++) {
        bytes += RequestEncoding.encode(body).length();
      }
      long t2 = System.nanoTime();
      System.out.printf("round %d: whole %.1f µs, tools and system encoded once %.1f µs per body%n", round,
          (t1 - t0) / 1e3 / BODIES, (t2 - t1) / 1e3 / BODIES);
    }
    System.out.println("(" + bytes + " bytes encoded)");
  }
}
