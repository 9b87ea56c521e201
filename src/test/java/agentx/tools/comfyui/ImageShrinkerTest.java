package agentx.tools.comfyui;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Images prepared for Claude to look at")
class ImageShrinkerTest {

  /** A PNG signature and an IHDR chunk claiming {@code width} × {@code height}: what a reader sees before the pixels. */
  private static byte[] pngHeader(int width, int height) {
    ByteBuffer ihdr = ByteBuffer.allocate(4 + 13).put("IHDR".getBytes(StandardCharsets.US_ASCII))
        .putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(ihdr.array());
    return ByteBuffer.allocate(8 + 4 + 17 + 4).put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})
        .putInt(13).put(ihdr.array()).putInt((int) crc.getValue()).array();
  }

  @Test
  @DisplayName("a file whose header claims 30000 x 30000 pixels is not decoded (it would take 3.6 GB): not viewable")
  void decompressionBombRefused() throws Exception {
    long started = System.nanoTime();
    assertThat(ImageShrinker.prepare(pngHeader(30_000, 30_000), "image/png")).isNull();
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(5_000);
  }

  @Test
  @DisplayName("an ordinary image is still prepared: a 2000 x 1000 PNG scaled to 1568 px on its long side")
  void ordinaryImage() throws Exception {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(2000, 1000, BufferedImage.TYPE_INT_RGB), "png", png);
    ImageShrinker.Prepared prepared = ImageShrinker.prepare(png.toByteArray(), "image/png");
    assertThat(prepared).isNotNull();
    assertThat(prepared.width()).isEqualTo(1568);
    assertThat(prepared.scaled()).isTrue();
  }
}
