package agentx.engine.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CallSlotsUnitTest {
  @Test
  @DisplayName("slots go at once up to the size, then to the waiting calls in order; a second release of one slot gives nothing away")
  void firstComeFirstServed() {
    CallSlots slots = new CallSlots(2);
    Future<CallSlots.Slot> a = slots.acquire();
    Future<CallSlots.Slot> b = slots.acquire();
    Future<CallSlots.Slot> c = slots.acquire();
    Future<CallSlots.Slot> d = slots.acquire();
    assertThat(a.succeeded()).isTrue();
    assertThat(b.succeeded()).isTrue();
    assertThat(c.isComplete()).isFalse();
    assertThat(slots.waiting()).isEqualTo(2);

    a.result().release();
    assertThat(c.succeeded()).isTrue();
    assertThat(d.isComplete()).isFalse();
    a.result().release(); // again: d still waits
    assertThat(d.isComplete()).isFalse();
    assertThat(slots.waiting()).isEqualTo(1);

    b.result().release();
    assertThat(d.succeeded()).isTrue();
    c.result().release();
    d.result().release();
    // all given back: two go at once again, not three
    assertThat(slots.acquire().succeeded()).isTrue();
    assertThat(slots.acquire().succeeded()).isTrue();
    assertThat(slots.acquire().isComplete()).isFalse();
  }

  @Test
  @DisplayName("a call that stops waiting leaves the line; one withdrawn after its slot came gives the slot on")
  void withdraw() {
    CallSlots slots = new CallSlots(1);
    Future<CallSlots.Slot> holder = slots.acquire();
    Future<CallSlots.Slot> gaveUp = slots.acquire();
    Future<CallSlots.Slot> next = slots.acquire();
    slots.withdraw(gaveUp);
    assertThat(slots.waiting()).isEqualTo(1);
    holder.result().release();
    assertThat(gaveUp.isComplete()).isFalse();
    assertThat(next.succeeded()).isTrue();
    Future<CallSlots.Slot> late = slots.acquire();
    next.result().release();
    assertThat(late.succeeded()).isTrue();
    slots.withdraw(late); // granted before its call gave up: released, so the next goes at once
    assertThat(slots.acquire().succeeded()).isTrue();
  }
}
