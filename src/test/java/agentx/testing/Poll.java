package agentx.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits on the test thread for a condition that other threads make true. */
public final class Poll {
  private Poll() {}

  public static void until(Duration atMost, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + atMost.toMillis() + " ms waiting for " + what);
      }
      sleep(Duration.ofMillis(20));
    }
  }

  public static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
