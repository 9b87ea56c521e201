package agentx.engine.anthropic;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Feeds SSE transcripts through {@link SseParser} into a {@link MessageAccumulator}. */
final class Transcripts {
  private Transcripts() {}

  static String load(String fileName) {
    try (InputStream in = Transcripts.class.getClassLoader().getResourceAsStream("anthropic/" + fileName)) {
      if (in == null) {
        throw new IllegalArgumentException("no transcript " + fileName);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replays a whole SSE body, line by line as the client does, then ends it. */
  static MessageAccumulator replay(String sseBody, MessageAccumulator accumulator) {
    SseParser parser = new SseParser(accumulator::accept);
    sseBody.lines().forEach(parser::line);
    parser.end();
    return accumulator;
  }

  static MessageAccumulator replayFile(String fileName, MessageAccumulator accumulator) {
    return replay(load(fileName), accumulator);
  }
}
