package agentx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The runtime's log line")
class LogLineTest {

  @Test
  @DisplayName("is what Logback's pattern layout writes for the same pattern, exceptions included")
  void sameAsLogbackPattern() {
    LoggerContext context = new LoggerContext();
    PatternLayout reference = new PatternLayout();
    reference.setContext(context);
    reference.setPattern(LogSetup.PATTERN);
    reference.start();
    LogLine line = new LogLine();
    line.setContext(context);
    line.start();
    Exception failure = new IllegalStateException("outer", new java.io.IOException("inner cause"));
    for (String name : List.of("agentx.engine.AgentEngineVerticle", "agentx.AgentX", "io.micrometer.core.instrument.MeterRegistry",
        "a.b.c.d.e.f.g.h.i.j.k.l.m.n.VeryLongClassNameThatCannotFit", "short", "io.vertx.core.impl.ContextImpl")) {
      Logger logger = context.getLogger(name);
      for (Level level : List.of(Level.INFO, Level.WARN, Level.ERROR, Level.DEBUG, Level.TRACE)) {
        for (Throwable thrown : new Throwable[] {null, failure}) {
          LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, level, "turn {} of {} failed", thrown,
              new Object[] {"t-1", "s-2"});
          event.setTimeStamp(1_764_512_345_006L + name.length() * 3_600_123L);
          assertThat(line.doLayout(event)).as(name + " " + level + " " + thrown).isEqualTo(reference.doLayout(event));
        }
      }
    }
  }
}
