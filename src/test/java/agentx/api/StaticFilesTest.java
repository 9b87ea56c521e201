package agentx.api;

import static org.assertj.core.api.Assertions.assertThat;

import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chat page, the ComfyUI panel and agentx-common.js, the module both import: served revalidated
 * on every load (a new jar's page must not meet a day-old copy of the module it imports, or the other
 * way round), and to ComfyUI's page, on another origin, with CORS headers, since the panel imports the
 * shared module from there.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The web pages and the module they share")
class StaticFilesTest {
  /** TestRuntime's AGENTX_COMFYUI_URL: ComfyUI's page comes from this origin. */
  private static final String COMFYUI_ORIGIN = "http://127.0.0.1:9";

  @TempDir Path dir;

  @Test
  @DisplayName("the page, the panel and the shared module are revalidated on every load; ComfyUI's origin may import the panel and the module")
  void servedRevalidated(Vertx vertx) {
    TestRuntime rt = TestRuntime.start(vertx, TestRuntime.config(dir, Map.of())).await();
    for (String path : new String[] {"/", "/app.js", "/agentx-common.js", "/comfyui/agentx-panel.js"}) {
      HttpResponse<Buffer> page = rt.http.get(path).send().await();
      assertThat(page.statusCode()).as(path).isEqualTo(200);
      assertThat(page.getHeader("Cache-Control")).as(path).isEqualTo("no-cache");
    }
    for (String path : new String[] {"/agentx-common.js", "/comfyui/agentx-panel.js"}) {
      HttpResponse<Buffer> module = rt.http.get(path).putHeader("Origin", COMFYUI_ORIGIN).send().await();
      assertThat(module.statusCode()).as(path).isEqualTo(200);
      assertThat(module.getHeader("Content-Type")).as(path).startsWith("text/javascript");
      assertThat(module.getHeader("Access-Control-Allow-Origin")).as(path).isEqualTo(COMFYUI_ORIGIN);
    }
    String panel = rt.http.get("/comfyui/agentx-panel.js").send().await().bodyAsString();
    assertThat(panel).as("the panel imports the module served beside its folder").contains("from '../agentx-common.js'");
    String page = rt.http.get("/app.js").send().await().bodyAsString();
    assertThat(page).as("the chat page imports it from the same folder").contains("from './agentx-common.js'");
  }
}
