package agentx.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;

/** Small images for the tests that attach one to a message, and what became of it at the fake Claude. */
public final class TestImages {
  private TestImages() {}

  /** A white PNG of the given size with one black pixel in its middle, in base64. */
  public static String pngBase64(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < width; x++) {
      for (int y = 0; y < height; y++) {
        image.setRGB(x, y, Color.WHITE.getRGB());
      }
    }
    image.setRGB(width / 2, height / 2, Color.BLACK.getRGB());
    try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      ImageIO.write(image, "png", out);
      return Base64.getEncoder().encodeToString(out.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The base64 data of every image block in a user message Claude was sent, once per distinct image, in order. */
  public static List<String> imagesSentToClaude(FakeAnthropic claude) {
    return claude.requests().stream()
        .flatMap(r -> r.body().getJsonArray("messages").stream().map(m -> (JsonObject) m))
        .filter(m -> "user".equals(m.getString("role")) && m.getValue("content") instanceof JsonArray)
        .flatMap(m -> m.getJsonArray("content").stream().map(b -> (JsonObject) b))
        .filter(b -> "image".equals(b.getString("type")) && "base64".equals(b.getJsonObject("source").getString("type")))
        .map(b -> b.getJsonObject("source").getString("data"))
        .distinct()
        .toList();
  }
}
