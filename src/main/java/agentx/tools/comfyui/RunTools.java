package agentx.tools.comfyui;

import agentx.tools.Tool;
import agentx.tools.ToolContext;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/** Queueing the session's workflow, following its run, and the queue itself. */
final class RunTools {
  static final int DEFAULT_WAIT_S = 120;
  static final int MAX_WAIT_S = 3600;
  /** What a run's answer needs after the wait (its history read, the outputs listed), kept from the tool timeout. */
  static final long ANSWER_MARGIN_MS = 5_000;
  static final long MIN_WAIT_MS = 1_000;
  private static final long HISTORY_POLL_MS = 1000;
  private static final long HISTORY_RETRY_MS = 250;
  private static final int HISTORY_ATTEMPTS = 4;

  private final ComfyUiClient client;
  private final WorkflowValidator validator = new WorkflowValidator();

  RunTools(ComfyUiClient client) {
    this.client = client;
  }

  List<Tool> tools() {
    return List.of(runWorkflow(), getExecutionStatus(), getQueue(), cancelExecution());
  }

  // ---------------------------------------------------------------- run_workflow

  private Tool runWorkflow() {
    ToolSpec spec = new ToolSpec("run_workflow",
        "Queue the session's workflow (or the one given) on ComfyUI. It is validated first and refused with ComfyUI-style errors and"
            + " fixes when invalid. With wait=true (default) it follows the run, reporting sampler progress, and"
            + " answers the final status, the output files and, if a node failed, the node id and class, the"
            + " exception and the end of the traceback. With wait=false it answers the prompt_id at once (poll with"
            + " get_execution_status). Look at the results with get_output_images.",
        Schemas.object()
            .bool("wait", "Wait for the run to finish (default true)", false)
            .integer("timeout_s", "How long to wait, in seconds (default 120); the run continues after that", 1,
                MAX_WAIT_S, false)
            .anyObject("workflow", "Run this workflow (API format, or ComfyUI's UI save format) instead of the session's;"
                + " it is not saved", false)
            .build(),
        Schemas.hints(false, false), null);
    return new FunctionTool(spec, (args, ctx) -> {
      boolean wait = Args.optBool(args, "wait", true);
      // answered (still_running, the run goes on) before the runtime's tool timeout would cut the call off and interrupt the run
      long waitMs = Math.min(Args.optInt(args, "timeout_s", DEFAULT_WAIT_S, 1, MAX_WAIT_S) * 1000L,
          Math.max(MIN_WAIT_MS, ctx.timeLeftMs() - ANSWER_MARGIN_MS));
      Object asked = args.getValue("workflow");
      if (asked != null && !(asked instanceof JsonObject)) {
        // a workflow sent as a JSON string (or a list) must not quietly run the session's instead
        throw new ToolRefusal("workflow must be a JSON object (API format, or ComfyUI's UI save format), not "
            + (asked instanceof String ? "a string: send the object itself, not its JSON text" : "a " + asked.getClass().getSimpleName()
            .replace("JsonArray", "list")) + "; leave it out to run the session's workflow.");
      }
      Future<JsonObject> chosen = asked instanceof JsonObject given
          ? WorkflowTools.toApiFormat(client, given)
          : SessionWorkflows.required(ctx).map(current -> current.getJsonObject("workflow"));
      return chosen.compose(workflow -> {
        return client.objectInfo().compose(info -> {
          refuseWhenInvalid(validator.validate(workflow, info));
          return wait ? runAndWait(workflow, waitMs, ctx) : queueOnly(workflow, ctx);
        });
      });
    }, true); // a resumed call finds its ComfyUI prompt by its derived id instead of queueing it again
  }

  private static void refuseWhenInvalid(JsonObject validation) {
    if (validation.getBoolean("valid")) {
      return;
    }
    JsonObject summary = ValidationSummary.of(validation);
    int count = summary.getJsonArray("problems").size();
    throw new ToolRefusal("The workflow was not queued: it has " + count + " validation problem" + (count == 1 ? "" : "s")
        + " that ComfyUI would reject. Fix them (see suggestions) and run again.", summary);
  }

  /**
   * The prompt id of a call made in a turn, derived from the turn and the call, so the same call
   * always names the same ComfyUI prompt: a turn resumed on another engine finds the run its first
   * engine started instead of queueing it again. Calls outside a turn get a random one (from ComfyUI).
   */
  static String stablePromptId(ToolContext ctx) {
    return ctx.turnId() == null || ctx.callId() == null ? null
        : UUID.nameUUIDFromBytes(("agentx:" + ctx.turnId() + ":" + ctx.callId()).getBytes(StandardCharsets.UTF_8)).toString();
  }

  /**
   * What ComfyUI knows of a prompt: {@code "finished"} (in the history), {@code "queued"} (running or
   * pending) or {@code "unknown"}. Asked only for a resumed call, before queueing.
   */
  private Future<String> known(String promptId) {
    return client.history(promptId).compose(entry -> entry != null ? Future.succeededFuture("finished")
        : client.queue().map(queue -> {
          QueueView view = new QueueView(queue);
          return view.isRunning(promptId) || view.pendingPosition(promptId) > 0 ? "queued" : "unknown";
        }));
  }

  private Future<ToolResult> queueOnly(JsonObject workflow, ToolContext ctx) {
    String promptId = stablePromptId(ctx);
    Future<String> before = ctx.resumed() && promptId != null ? known(promptId) : Future.succeededFuture("unknown");
    return before.compose(state -> {
      if (!"unknown".equals(state)) {
        return Future.succeededFuture(ToolResult.json(new JsonObject().put("prompt_id", promptId)
            .put("status", "finished".equals(state) ? "finished" : "queued").put("reattached", true)));
      }
      return client.queuePrompt(workflow, "agentx-" + UUID.randomUUID(), promptId).map(queued -> ToolResult.json(new JsonObject()
          .put("prompt_id", queued.getString("prompt_id")).put("number", queued.getValue("number"))
          .put("status", "queued").put("node_errors", queued.getValue("node_errors"))));
    });
  }

  /**
   * Connects to {@code /ws} first (ComfyUI sends a run's events only to the socket named by its
   * client_id), then queues, then waits for the end, the deadline or a cancel, whichever comes first.
   * A resumed call whose prompt ComfyUI already has is re-attached: followed (the client id is
   * derived from the prompt id, so the new socket gets its events) or, when it is over, read from
   * the history; it is never queued twice.
   */
  private Future<ToolResult> runAndWait(JsonObject workflow, long waitMs, ToolContext ctx) {
    String stable = stablePromptId(ctx);
    String clientId = "agentx-" + (stable != null ? stable : UUID.randomUUID());
    RunTracker tracker = new RunTracker(ctx::progress);
    long started = System.currentTimeMillis();
    Future<String> before = ctx.resumed() && stable != null ? known(stable) : Future.succeededFuture("unknown");
    return before.compose(state -> {
      if ("finished".equals(state)) {
        return conclude(stable, "finished", tracker, started);
      }
      return client.progress(clientId, tracker::onMessage).compose(socket -> (
          "queued".equals(state) ? Future.succeededFuture(new JsonObject().put("prompt_id", stable))
              : queueUnlessCancelled(workflow, clientId, stable, ctx))
          .compose(queued -> {
            String promptId = queued.getString("prompt_id");
            tracker.promptQueued(promptId);
            // a re-attached run may end before the socket hears of it: its history is polled as well
            return awaitEnd(promptId, tracker, socket, waitMs, ctx, "queued".equals(state))
                .compose(end -> conclude(promptId, end, tracker, started));
          })
          // closed without waiting: a ComfyUI that never answers the close must not hold the run's answer back
          .onComplete(done -> socket.close()));
    });
  }

  /** A call cancelled while the socket was opening must not leave a prompt behind in ComfyUI. */
  private Future<JsonObject> queueUnlessCancelled(JsonObject workflow, String clientId, String promptId, ToolContext ctx) {
    if (ctx.isCancelled()) {
      return Future.failedFuture(new ToolRefusal("The run was cancelled before it was queued.",
          new JsonObject().put("status", "cancelled")));
    }
    return client.queuePrompt(workflow, clientId, promptId);
  }

  private Future<String> awaitEnd(String promptId, RunTracker tracker, ComfyUiSocket socket, long waitMs,
      ToolContext ctx, boolean pollNow) {
    Promise<String> end = Promise.promise();
    long timer = client.vertx().setTimer(waitMs, t -> end.tryComplete("timeout"));
    tracker.finished().onSuccess(end::tryComplete);
    ctx.cancelled().onComplete(c -> end.tryComplete("cancelled"));
    if (ctx.isCancelled()) {
      end.tryComplete("cancelled");
    }
    // If the socket drops mid-run, fall back to polling /history until the deadline.
    socket.closed().onComplete(closed -> pollHistory(promptId, end));
    if (pollNow) {
      pollHistory(promptId, end);
    }
    return end.future().onComplete(done -> client.vertx().cancelTimer(timer));
  }

  private void pollHistory(String promptId, Promise<String> end) {
    if (end.future().isComplete()) {
      return;
    }
    client.history(promptId).onComplete(ar -> {
      if (ar.succeeded() && ar.result() != null) {
        end.tryComplete("finished");
      } else if (ar.failed() && ar.cause() instanceof ComfyUiException e && e.unreachable()) {
        end.tryComplete("lost: " + e.getMessage());
      } else if (!end.future().isComplete()) {
        client.vertx().setTimer(HISTORY_POLL_MS, t -> pollHistory(promptId, end));
      }
    });
  }

  private Future<ToolResult> conclude(String promptId, String end, RunTracker tracker, long started) {
    long elapsed = System.currentTimeMillis() - started;
    if (end.startsWith("lost: ")) {
      return Future.succeededFuture(ToolResult.error("Lost contact with ComfyUI while prompt " + promptId
          + " was running: " + end.substring(6), new JsonObject().put("prompt_id", promptId).put("status", "unknown")));
    }
    if ("cancelled".equals(end)) {
      // Interrupt stops it if it runs; delete removes it if it is still pending. Both are harmless otherwise.
      return client.interrupt(promptId)
          .transform(ignored -> client.deleteFromQueue(List.of(promptId)))
          .transform(ignored -> Future.succeededFuture(ToolResult.error(
          "The run was cancelled: ComfyUI was asked to interrupt prompt " + promptId + ".",
          new JsonObject().put("prompt_id", promptId).put("status", "cancelled"))));
    }
    if ("timeout".equals(end)) {
      return Future.succeededFuture(ToolResult.json(new JsonObject().put("prompt_id", promptId)
          .put("status", "still_running").put("waited_ms", elapsed)
          .put("note", "The run had not finished when the wait ended; it keeps running in ComfyUI. Check it with"
              + " get_execution_status, or stop it with cancel_execution.")));
    }
    // The history entry is the reference; the events seen are the fallback when it cannot be read.
    String state = "finished".equals(end) ? (tracker.failure() != null ? "error" : "success") : end;
    return historySoon(promptId, HISTORY_ATTEMPTS)
        .map(entry -> entry != null ? RunReport.fromHistory(promptId, entry)
            : RunReport.fromEvents(promptId, state, tracker.outputs(), tracker.failure()))
        .recover(err -> Future.succeededFuture(RunReport.fromEvents(promptId, state, tracker.outputs(),
            tracker.failure())))
        .map(report -> asResult(report.put("duration_ms", elapsed)));
  }

  /**
   * ComfyUI sends execution_success/error before it writes the history entry (the entry is there
   * by the time {@code executing {node: null}} arrives), so an empty answer is retried briefly.
   */
  private Future<JsonObject> historySoon(String promptId, int attempts) {
    return client.history(promptId).compose(entry -> {
      if (entry != null || attempts <= 1) {
        return Future.succeededFuture(entry);
      }
      Promise<Void> pause = Promise.promise();
      client.vertx().setTimer(HISTORY_RETRY_MS, t -> pause.complete());
      return pause.future().compose(v -> historySoon(promptId, attempts - 1));
    });
  }

  static ToolResult asResult(JsonObject report) {
    String promptId = report.getString("prompt_id");
    return switch (report.getString("status")) {
      case "error" -> report.getJsonObject("failure") != null
          ? ToolResult.error(RunReport.sentence(report.getJsonObject("failure")), report)
          : ToolResult.error("ComfyUI reports that prompt " + promptId + " failed.", report);
      case "interrupted" -> ToolResult.error("The run of prompt " + promptId + " was interrupted.", report);
      default -> ToolResult.json(report);
    };
  }

  // ---------------------------------------------------------------- status, queue, cancel

  private Tool getExecutionStatus() {
    ToolSpec spec = new ToolSpec("get_execution_status",
        "Get the state of a queued prompt: pending (with its queue position), running, or finished with its status,"
            + " output files and, for a failed run, the failing node, exception and traceback tail.",
        Schemas.object().string("prompt_id", "The prompt_id from run_workflow", true).build(),
        Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> {
      String promptId = Args.string(args, "prompt_id");
      return client.history(promptId).compose(entry -> {
        if (entry != null) {
          JsonObject report = RunReport.fromHistory(promptId, entry);
          // A failed run is a finding, not a failed status call: answer it as data.
          return Future.succeededFuture(ToolResult.json(report));
        }
        return client.queue().map(queue -> {
          QueueView view = new QueueView(queue);
          if (view.isRunning(promptId)) {
            return ToolResult.json(new JsonObject().put("prompt_id", promptId).put("status", "running"));
          }
          int position = view.pendingPosition(promptId);
          if (position > 0) {
            return ToolResult.json(new JsonObject().put("prompt_id", promptId).put("status", "pending")
                .put("queue_position", position));
          }
          return ToolResult.error("ComfyUI knows no prompt " + promptId + ": it is not queued, not running and not"
              + " in the history (the server may have restarted).");
        });
      });
    });
  }

  private Tool getQueue() {
    ToolSpec spec = new ToolSpec("get_queue",
        "Show ComfyUI's queue: the running prompt and the pending ones in the order they will run (prompt ids,"
            + " node counts, output nodes).",
        Schemas.object().build(), Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> client.queue().map(q -> ToolResult.json(new QueueView(q).summary())));
  }

  private Tool cancelExecution() {
    ToolSpec spec = new ToolSpec("cancel_execution",
        "Stop a run. With a prompt_id: interrupts it if it is running, or removes it from the queue if it is still"
            + " pending. Without: interrupts whatever is running now (pending prompts stay queued).",
        Schemas.object().string("prompt_id", "The prompt to cancel", false).build(),
        Schemas.hints(false, true), null);
    return new FunctionTool(spec, (args, ctx) -> {
      String promptId = Args.optString(args, "prompt_id");
      return client.queue().compose(queue -> {
        QueueView view = new QueueView(queue);
        if (promptId == null) {
          List<String> running = view.runningIds();
          return client.interrupt().map(v -> ToolResult.json(new JsonObject()
              .put("interrupted", new JsonArray(running))
              .put("note", running.isEmpty() ? "Nothing was running." : "ComfyUI was asked to stop the running prompt.")));
        }
        if (view.isRunning(promptId)) {
          return client.interrupt(promptId).map(v -> ToolResult.json(new JsonObject()
              .put("prompt_id", promptId).put("action", "interrupted")));
        }
        if (view.pendingPosition(promptId) > 0) {
          return client.deleteFromQueue(List.of(promptId)).map(v -> ToolResult.json(new JsonObject()
              .put("prompt_id", promptId).put("action", "removed_from_queue")));
        }
        return Future.succeededFuture(ToolResult.error("Prompt " + promptId + " is neither running nor pending, so"
            + " there is nothing to cancel (it may have finished: see get_execution_status)."));
      });
    });
  }
}
