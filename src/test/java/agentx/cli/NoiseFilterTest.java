package agentx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NoiseFilterTest {

  @Test
  @DisplayName("vertx-web's stack trace for a client's SockJS socket error is dropped; its other lines and other loggers' pass")
  void dropsOnlyTheBridgesSocketException() {
    LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    NoiseFilter filter = started(context);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.setContext(context);
    seen.start();
    ch.qos.logback.classic.Logger bridgeLogger = context.getLogger(NoiseFilter.BRIDGE_LOGGER);
    ch.qos.logback.classic.Logger other = context.getLogger("agentx.api.Other");
    bridgeLogger.addAppender(seen);
    other.addAppender(seen);
    context.addTurboFilter(filter);
    try {
      // through Vert.x's own logging, as the bridge logs it (vertx-core's logger on SLF4J)
      io.vertx.core.internal.logging.Logger vertxLogger = io.vertx.core.internal.logging.LoggerFactory.getLogger(NoiseFilter.BRIDGE_LOGGER);
      vertxLogger.error(NoiseFilter.SOCKET_EXCEPTION, new IllegalStateException(
          "Cannot process text frame of size 10140, it would cause message buffer (size 0) to overflow max message size of 4096"));
      vertxLogger.error("Failed to handle a bridge frame", new IllegalStateException("a server fault"));
      other.error(NoiseFilter.SOCKET_EXCEPTION, new IllegalStateException("another logger"));
      assertThat(seen.list).extracting(ILoggingEvent::getMessage)
          .containsExactly("Failed to handle a bridge frame", NoiseFilter.SOCKET_EXCEPTION);
      assertThat(seen.list.get(1).getLoggerName()).isEqualTo("agentx.api.Other");
    } finally {
      context.getTurboFilterList().remove(filter);
      bridgeLogger.detachAppender(seen);
      other.detachAppender(seen);
    }
  }

  @Test
  @DisplayName("Micrometer's warning about a gauge registered again (vertx-micrometer does it on purpose) is dropped; its other lines pass")
  void dropsTheGaugeRegisteredAgainWarning() {
    LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    NoiseFilter filter = started(context);
    ch.qos.logback.classic.Logger registry = context.getLogger(NoiseFilter.METER_REGISTRY_LOGGER);
    // the whole message is the format: Micrometer's WarnThenDebugLogger logs a built string
    String warning = "This Gauge has been already registered (MeterId{name='vertx.http.server.active.connections', tags=[]}), the"
        + " registration will be ignored. Note that subsequent logs will be logged at debug level.";
    assertThat(filter.decide(null, registry, ch.qos.logback.classic.Level.WARN, warning, null, null))
        .isEqualTo(ch.qos.logback.core.spi.FilterReply.DENY);
    assertThat(filter.decide(null, registry, ch.qos.logback.classic.Level.WARN, "A meter filter failed", null, null))
        .isEqualTo(ch.qos.logback.core.spi.FilterReply.NEUTRAL);
    assertThat(filter.decide(null, context.getLogger("agentx.Other"), ch.qos.logback.classic.Level.WARN, warning, null, null))
        .isEqualTo(ch.qos.logback.core.spi.FilterReply.NEUTRAL);
  }

  private static NoiseFilter started(LoggerContext context) {
    NoiseFilter filter = new NoiseFilter();
    filter.setContext(context);
    filter.start();
    return filter;
  }
}
