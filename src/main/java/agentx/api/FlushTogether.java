package agentx.api;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.function.Consumer;

/**
 * Frames written to a client connection in one go leave in one system call. Vert.x flushes every
 * frame written outside a read of that connection, and a flush is a {@code write} system call; the
 * store publishes a streaming session's events as one message per commit, a few hundred of them
 * when Claude's tokens come faster than they are stored, and a subscriber wrote them a system call
 * each: the largest single cost of delivering an event under load (docs/PERFORMANCE.md, round
 * seventeen). First in the connection's pipeline, this handler holds the flushes while
 * {@link #together} runs and flushes once when it returns; outside it every flush passes at once,
 * so a lone event (a paced token) leaves as soon as before.
 */
final class FlushTogether extends ChannelOutboundHandlerAdapter {
  static final String NAME = "agentx-flush-together";

  private ChannelHandlerContext ctx;
  private boolean holding;
  private boolean flushHeld;

  /**
   * The way to write to {@code connection} in one go: runs its argument with this handler's flushes
   * held. A connection that is not a Netty one Vert.x exposes (none today) gets a plain run.
   */
  static Consumer<Runnable> on(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base)) {
      return Runnable::run;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    FlushTogether handler = pipeline.get(FlushTogether.class);
    if (handler == null) {
      handler = new FlushTogether();
      pipeline.addFirst(NAME, handler);
    }
    return handler::together;
  }

  /**
   * Runs {@code writes} with the connection's flushes held, then flushes once if any was asked for.
   * Off the connection's event loop (where Vert.x would hand each write over anyway) it just runs.
   */
  void together(Runnable writes) {
    ChannelHandlerContext context = ctx;
    if (holding || context == null || !context.executor().inEventLoop()) {
      writes.run();
      return;
    }
    holding = true;
    try {
      writes.run();
    } finally {
      holding = false;
      if (flushHeld) {
        flushHeld = false;
        context.flush();
      }
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Held while {@link #together} runs, unless the connection's buffer is past its high-water mark:
   * then what is written goes out as before, so the held bytes stay bounded, and a slow client is
   * still told apart by its full write queue, not by frames this handler held back.
   */
  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (holding && ctx.channel().isWritable()) {
      flushHeld = true;
    } else {
      flushHeld = false;
      ctx.flush();
    }
  }

  /** A close (a slow client's 4429, say) sends what was written before it, its close frame included. */
  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
    flushHeldNow(ctx);
    ctx.close(promise);
  }

  @Override
  public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
    flushHeldNow(ctx);
    ctx.disconnect(promise);
  }

  private void flushHeldNow(ChannelHandlerContext ctx) {
    if (flushHeld) {
      flushHeld = false;
      ctx.flush();
    }
  }
}
