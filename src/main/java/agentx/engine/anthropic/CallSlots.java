package agentx.engine.anthropic;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Claude calls in flight at once, at most as many as the client has connections, the rest waiting here in
 * the order they came. A call that waited in the HTTP client's pool instead had its turn's history read and
 * its request built first: at a burst of turn starts (a thousand users pressing Send at once) that work for
 * every waiting turn came ahead of the tokens of the answers already streaming. A turn that waits here has
 * done only its start (its message stored, "thinking" shown) and does the rest when a call may go. A call keeps its
 * slot through its retries (a 429 or 529 answered with a wait): more calls sent meanwhile would be refused the same way.
 */
public final class CallSlots {
  private final int size;
  private final Deque<Promise<Slot>> waiting = new ArrayDeque<>();
  private int taken;

  CallSlots(int size) {
    this.size = size;
  }

  /** A slot now, or once one is released; each taken slot must be {@link Slot#release released} once. */
  public synchronized Future<Slot> acquire() {
    if (taken < size) {
      taken++;
      return Future.succeededFuture(new Slot());
    }
    Promise<Slot> promise = Promise.promise();
    waiting.add(promise);
    return promise.future();
  }

  /**
   * A call that no longer waits (its turn was stopped) leaves the line: {@code pending}, a future {@link #acquire}
   * answered, is taken out if it still waits, or its slot, granted meanwhile, is released.
   */
  public void withdraw(Future<Slot> pending) {
    synchronized (this) {
      if (waiting.removeIf(promise -> promise.future() == pending)) {
        return;
      }
    }
    pending.onSuccess(Slot::release);
  }

  /** Calls waiting for a slot. */
  public synchronized int waiting() {
    return waiting.size();
  }

  private void handOn() {
    Promise<Slot> next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        taken--;
        return;
      }
    }
    next.complete(new Slot()); // outside the lock: the next call starts from here
  }

  /** One call's right to a connection. */
  public final class Slot {
    private boolean released;

    private Slot() {}

    /** Gives the slot to the next waiting call; a second release does nothing. */
    public void release() {
      synchronized (CallSlots.this) {
        if (released) {
          return;
        }
        released = true;
      }
      handOn();
    }
  }
}
