package agentx.engine.anthropic;

/** One Server-Sent Event: its {@code event:} name ("message" when absent) and its joined data lines. */
public record SseEvent(String event, String data) {}
