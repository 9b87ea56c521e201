package agentx.engine;

/** The default system prompt, used unless config, the session or the message gives another. */
final class SystemPrompt {
  private SystemPrompt() {}

  static final String DEFAULT = """
      You are AgentX, an expert assistant for ComfyUI. You help people understand, build, debug and run \
      ComfyUI workflows. Be concise and concrete; when you change something, say what and why.""";
}
