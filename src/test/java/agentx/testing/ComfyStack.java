package agentx.testing;

import agentx.config.AgentXConfig;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The whole runtime (all four roles, a SQLite file in {@code dir}) between the fake Claude and the
 * fake ComfyUI, as a ComfyUI user's turns meet it. Close it in {@code @AfterEach}.
 */
public final class ComfyStack implements AutoCloseable {
  public final FakeAnthropic claude;
  public final FakeComfyUi comfy;
  public final TestRuntime rt;

  private ComfyStack(FakeAnthropic claude, FakeComfyUi comfy, TestRuntime rt) {
    this.claude = claude;
    this.comfy = comfy;
    this.rt = rt;
  }

  /** @param extra config values over the defaults (Claude's and ComfyUI's URLs, a test key, no heartbeat) */
  public static ComfyStack start(Vertx vertx, Path dir, Map<String, Object> extra) {
    FakeAnthropic claude = FakeAnthropic.start(vertx).await();
    FakeComfyUi comfy = new FakeComfyUi(vertx).wsMessageDelay(Duration.ofMillis(2)).start().await();
    Map<String, Object> values = new HashMap<>(Map.of(
        AgentXConfig.ANTHROPIC_API_KEY, "sk-ant-test",
        AgentXConfig.ANTHROPIC_BASE_URL, claude.baseUrl(),
        AgentXConfig.COMFYUI_URL, comfy.baseUrl(),
        AgentXConfig.WS_HEARTBEAT, 0));
    values.putAll(extra);
    return new ComfyStack(claude, comfy, TestRuntime.start(vertx, TestRuntime.config(dir, values)).await());
  }

  @Override
  public void close() {
    claude.close();
    comfy.stop();
  }
}
