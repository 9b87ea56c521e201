package agentx.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The handler that lets a publication's frames leave a socket in one system call: a Netty channel
 * ({@link EmbeddedChannel}, whose outbound queue only gets what was flushed) stands for the client
 * connection, with the handler first in its pipeline as {@link FlushTogether#on} puts it.
 */
@DisplayName("Frames written together are flushed once")
class FlushTogetherTest {
  private final FlushTogether handler = new FlushTogether();
  private final EmbeddedChannel channel = new EmbeddedChannel();

  FlushTogetherTest() {
    channel.pipeline().addFirst(FlushTogether.NAME, handler);
  }

  private List<Object> sent() {
    List<Object> out = new ArrayList<>();
    for (Object message = channel.readOutbound(); message != null; message = channel.readOutbound()) {
      out.add(message);
    }
    return out;
  }

  @Test
  @DisplayName("outside a batch every flush passes at once (a lone paced token is not held back)")
  void aloneLeavesAtOnce() {
    channel.writeAndFlush("token");
    assertThat(sent()).containsExactly("token");
  }

  @Test
  @DisplayName("the frames of a batch leave with one flush when it ends, in order")
  void batchLeavesOnce() {
    List<List<Object>> seenDuring = new ArrayList<>();
    handler.together(() -> {
      for (String frame : List.of("a", "b", "c")) {
        channel.writeAndFlush(frame);
        seenDuring.add(sent());
      }
    });
    assertThat(seenDuring).allSatisfy(seen -> assertThat(seen).isEmpty());
    assertThat(sent()).containsExactly("a", "b", "c");
    channel.writeAndFlush("d");
    assertThat(sent()).containsExactly("d");
  }

  @Test
  @DisplayName("a batch inside a batch is held until the outer one ends")
  void nested() {
    handler.together(() -> {
      channel.writeAndFlush("a");
      handler.together(() -> channel.writeAndFlush("b"));
      assertThat(sent()).isEmpty();
    });
    assertThat(sent()).containsExactly("a", "b");
  }

  @Test
  @DisplayName("a close inside a batch (a slow client's 4429) first sends what was written before it")
  void closeSendsWhatWasWritten() {
    handler.together(() -> {
      channel.writeAndFlush("last event");
      channel.writeAndFlush("close frame");
      channel.close();
    });
    assertThat(sent()).containsExactly("last event", "close frame");
  }

  @Test
  @DisplayName("past the connection's high-water mark a batch's flushes pass, so what is held stays bounded")
  void boundedByTheHighWaterMark() {
    // a message of unknown size counts 8 bytes and its entry in the buffer 96 more: the third takes it past 250
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 250));
    List<List<Object>> seenDuring = new ArrayList<>();
    handler.together(() -> {
      for (String frame : List.of("a", "b", "c", "d")) {
        channel.writeAndFlush(frame);
        seenDuring.add(sent());
      }
    });
    assertThat(seenDuring.get(0)).isEmpty();
    assertThat(seenDuring.get(1)).isEmpty();
    assertThat(seenDuring.get(2)).containsExactly("a", "b", "c");
    // the buffer was empty again, so d's flush was held to the batch's end
    assertThat(seenDuring.get(3)).isEmpty();
    assertThat(sent()).containsExactly("d");
  }

  @Test
  @DisplayName("a batch that writes nothing flushes nothing, and one that throws still flushes")
  void emptyAndFailing() {
    handler.together(() -> { });
    assertThat(sent()).isEmpty();
    try {
      handler.together(() -> {
        channel.writeAndFlush("a");
        throw new IllegalStateException("boom");
      });
    } catch (IllegalStateException expected) {
      // the caller's problem; the written frame must not stay unflushed
    }
    assertThat(sent()).containsExactly("a");
  }
}
