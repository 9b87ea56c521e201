package agentx.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.TimeUnit;

/**
 * Tests that need something outside Maven (node, npm packages, Chromium) skip with the reason on a
 * developer machine, but under {@code CI=true} they must run: there a missing piece fails the test.
 */
public final class Prerequisites {
  private Prerequisites() {}

  public static void require(boolean present, String missing) {
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      assertThat(present).as(missing + " (CI=true: this test may not be skipped)").isTrue();
    } else {
      assumeTrue(present, missing + " — skipping");
    }
  }

  /** Whether {@code node} runs on this machine. */
  public static boolean nodeAvailable() {
    try {
      return new ProcessBuilder("node", "--version").redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return false;
    }
  }
}
