package agentx.events;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * Ids of the rows the runtime creates (sessions, turns, messages): UUID version 7 (RFC 9562), the
 * creation time in milliseconds first, then 74 random bits. They are UUID strings as before, but in
 * text order they sort by creation time, so the keys a running session writes ({@code events}'
 * {@code (session_id, seq)}, a message's, a turn's) sit together at the end of each index instead of
 * on random pages of it: SQLite dirties and caches far fewer pages per commit (docs/PERFORMANCE.md,
 * round twenty-five).
 */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String timeOrdered() {
    return timeOrdered(System.currentTimeMillis()).toString();
  }

  static UUID timeOrdered(long epochMilli) {
    long randomA;
    long randomB;
    synchronized (RANDOM) {
      randomA = RANDOM.nextInt() & 0x0fffL;
      randomB = RANDOM.nextLong();
    }
    long high = (epochMilli & 0xffff_ffff_ffffL) << 16 | 0x7000L | randomA;
    long low = randomB & 0x3fff_ffff_ffff_ffffL | 0x8000_0000_0000_0000L;
    return new UUID(high, low);
  }
}
