package agentx.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTest {

  @Test
  void versionSevenUuidText() {
    String id = Ids.timeOrdered();
    assertTrue(id.matches("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"), id);
    UUID parsed = UUID.fromString(id);
    assertEquals(7, parsed.version());
    assertEquals(2, parsed.variant()); // RFC 9562 / 4122 variant
    long millis = parsed.getMostSignificantBits() >>> 16;
    assertTrue(Math.abs(System.currentTimeMillis() - millis) < 60_000, "the creation time is the first 48 bits: " + millis);
  }

  @Test
  void textOrderIsCreationOrder() {
    long start = 1_764_000_000_000L; // 2025-11-24
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      made.add(Ids.timeOrdered(start + i * 997L).toString());
    }
    List<String> sorted = new ArrayList<>(made);
    sorted.sort(null);
    assertEquals(made, sorted);
  }

  @Test
  void randomWithinOneMillisecond() {
    long now = System.currentTimeMillis();
    HashSet<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertTrue(seen.add(Ids.timeOrdered(now).toString()));
    }
    assertNotEquals(Ids.timeOrdered(now), Ids.timeOrdered(now));
  }
}
