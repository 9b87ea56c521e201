package agentx.testing;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the ComfyUI fixtures copied into src/test/resources/comfyui (never ../shared). */
public final class Fixtures {
  private Fixtures() {}

  public static String text(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/comfyui/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture comfyui/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonObject json(String name) {
    return new JsonObject(text(name));
  }

  /** One JSON object per non-empty line. */
  public static List<String> jsonLines(String name) {
    List<String> lines = new ArrayList<>();
    for (String line : text(name).split("\n")) {
      if (!line.isBlank()) {
        lines.add(line);
      }
    }
    return lines;
  }

  /** object_info_sample.json plus the test-only nodes of object_info_extra.json. */
  public static JsonObject objectInfo() {
    JsonObject info = json("object_info_sample.json");
    JsonObject extra = json("object_info_extra.json");
    extra.remove("_doc");
    return info.mergeIn(extra);
  }

  public static JsonObject defaultWorkflow() {
    return json("default_workflow_api.json");
  }
}
