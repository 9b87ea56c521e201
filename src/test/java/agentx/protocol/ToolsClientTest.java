package agentx.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import agentx.testing.TestRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class ToolsClientTest {
  @TempDir Path dir;

  private static ToolListing listing(String description) {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("node_type", new JsonObject().put("type", "string")));
    return ToolListing.of(List.of(new ToolSpec("get_node_info", description, schema, null, null)));
  }

  @Test
  @DisplayName("the tools service leaves its tools out for a client that holds them, and the client hands out the same specs")
  void unchangedToolsAreNotSentAgain(Vertx vertx) {
    TestRuntime.start(vertx, dir).await();
    ToolsClient client = new ToolsClient(vertx);

    ToolListing first = client.list(5_000).await();
    assertThat(first.tools()).extracting(ToolSpec::name).contains("get_node_info", "run_workflow");
    assertThat(first.version()).hasSize(32);
    ToolListing again = client.list(5_000).await();
    assertThat(again.tools()).isSameAs(first.tools());
    assertThat(again.version()).isEqualTo(first.version());

    // what went over the bus: the whole registry for no version or another one, only its version for the one held
    JsonObject fresh = Bus.request(vertx, Addresses.TOOLS_LIST, new JsonObject()).await();
    assertThat(fresh.getJsonArray("tools")).hasSize(first.tools().size());
    JsonObject held = Bus.request(vertx, Addresses.TOOLS_LIST, new JsonObject().put(ToolListing.KNOWN_VERSION, first.version())).await();
    assertThat(held.containsKey("tools")).isFalse();
    assertThat(held.getString("version")).isEqualTo(first.version());
    assertThat(held.getJsonArray("servers")).isNotNull();
    JsonObject other = Bus.request(vertx, Addresses.TOOLS_LIST, new JsonObject().put(ToolListing.KNOWN_VERSION, "0".repeat(32))).await();
    assertThat(other.getJsonArray("tools")).hasSize(first.tools().size());
  }

  @Test
  @DisplayName("list answers the new specs once the registry changes, and shares them while it stays so")
  void changedRegistryIsFetched(Vertx vertx) {
    AtomicReference<ToolListing> registry = new AtomicReference<>(listing("Describes a node type."));
    vertx.eventBus().<JsonObject>consumer(Addresses.TOOLS_LIST,
        m -> m.reply(registry.get().toJson(m.body().getString(ToolListing.KNOWN_VERSION))));
    ToolsClient client = new ToolsClient(vertx);

    ToolListing first = client.list(5_000).await();
    assertThat(client.list(5_000).await().tools()).isSameAs(first.tools());
    assertThat(first.tools().get(0).inputSchema()).isSameAs(client.list(5_000).await().tools().get(0).inputSchema());

    registry.set(listing("Describes a node type, with its inputs."));
    ToolListing changed = client.list(5_000).await();
    assertThat(changed.version()).isNotEqualTo(first.version());
    assertThat(changed.tools().get(0).description()).isEqualTo("Describes a node type, with its inputs.");
    assertThat(client.list(5_000).await().tools()).isSameAs(changed.tools());
  }

  @Test
  @DisplayName("an answer without tools for a version the client does not hold is an error, not an empty registry")
  void missingToolsAreAnError() {
    JsonObject answer = new JsonObject().put("version", "ab".repeat(16)).put("servers", new JsonArray());
    assertThatThrownBy(() -> ToolListing.fromJson(answer, listing("x")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("left out the tools");
    assertThat(ToolListing.fromJson(listing("x").toJson(null), null).tools()).hasSize(1);
  }
}
