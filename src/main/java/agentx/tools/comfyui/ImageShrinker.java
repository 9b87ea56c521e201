package agentx.tools.comfyui;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/**
 * Makes an output image fit what Claude accepts and reads well: at most 1568 px on the long side
 * and about 1 MB. Smaller images pass through untouched. Blocking (ImageIO): call it off the event loop.
 */
final class ImageShrinker {
  static final int MAX_SIDE = 1568;
  static final int MAX_BYTES = 1_000_000;
  /** The largest image decoded to be looked at (about 400 MB as pixels; 8K × 8K is 67 M). */
  static final long MAX_PIXELS = 100_000_000;
  private static final Set<String> PASSTHROUGH = Set.of("image/png", "image/jpeg", "image/gif", "image/webp");

  static {
    // A server has no display; ImageIO and Graphics2D work headless.
    System.setProperty("java.awt.headless", "true");
  }

  /** The image to send: bytes, MIME type, size, and whether it was scaled. */
  record Prepared(byte[] bytes, String mimeType, int width, int height, boolean scaled) {}

  private ImageShrinker() {}

  /** Width × height from the image's header, without decoding it; 0 when no reader knows the bytes. */
  private static long pixels(byte[] bytes) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return 0;
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        return (long) reader.getWidth(0) * reader.getHeight(0);
      } catch (IOException | RuntimeException e) {
        return 0;
      } finally {
        reader.dispose();
      }
    }
  }

  /** Null when the bytes are not an image Java can decode and are too big or of a type Claude cannot take. */
  static Prepared prepare(byte[] bytes, String contentType) throws IOException {
    String mime = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT).split(";")[0].strip();
    long pixels = pixels(bytes);
    if (pixels > MAX_PIXELS) {
      return null; // decoded, it would take pixels × 4 bytes: a small file can claim a huge image
    }
    BufferedImage image = pixels == 0 ? null : ImageIO.read(new ByteArrayInputStream(bytes));
    if (image == null) {
      return PASSTHROUGH.contains(mime) && bytes.length <= MAX_BYTES ? new Prepared(bytes, mime, 0, 0, false) : null;
    }
    int width = image.getWidth();
    int height = image.getHeight();
    if (Math.max(width, height) <= MAX_SIDE && bytes.length <= MAX_BYTES && PASSTHROUGH.contains(mime)) {
      return new Prepared(bytes, mime, width, height, false);
    }
    double scale = Math.min(1.0, (double) MAX_SIDE / Math.max(width, height));
    while (true) {
      BufferedImage scaled = scale(image, scale);
      byte[] png = encode(scaled, "png");
      if (png.length <= MAX_BYTES) {
        return new Prepared(png, "image/png", scaled.getWidth(), scaled.getHeight(), true);
      }
      byte[] jpeg = jpeg(scaled, 0.85f);
      if (jpeg.length <= MAX_BYTES || scale < 0.05) {
        return new Prepared(jpeg, "image/jpeg", scaled.getWidth(), scaled.getHeight(), true);
      }
      scale *= 0.75;
    }
  }

  private static BufferedImage scale(BufferedImage source, double scale) {
    int w = Math.max(1, (int) Math.round(source.getWidth() * scale));
    int h = Math.max(1, (int) Math.round(source.getHeight() * scale));
    BufferedImage target = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = target.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.drawImage(source, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return target;
  }

  private static byte[] encode(BufferedImage image, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, format, out);
    return out.toByteArray();
  }

  private static byte[] jpeg(BufferedImage image, float quality) throws IOException {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
    ImageWriter writer = writers.next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }
}
