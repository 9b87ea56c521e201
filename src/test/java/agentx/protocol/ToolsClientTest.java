package agentx.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ToolsClientTest {

  private static JsonObject listing(String description) {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", new JsonObject()
        .put("node_type", new JsonObject().put("type", "string")));
    return new JsonObject().put("tools", new JsonArray().add(new ToolSpec("get_node_info", description, schema, null, null).toJson()))
        .put("servers", new JsonArray());
  }

  @Test
  @DisplayName("list answers the same specs while the registry is unchanged, and the new ones once it changes")
  void sharesAnUnchangedListing(Vertx vertx) {
    AtomicReference<JsonObject> registry = new AtomicReference<>(listing("Describes a node type."));
    vertx.eventBus().<JsonObject>consumer(Addresses.TOOLS_LIST, m -> m.reply(registry.get().copy()));
    ToolsClient client = new ToolsClient(vertx);

    ToolListing first = client.list(5_000).await();
    ToolListing again = client.list(5_000).await();
    assertThat(again.tools()).isSameAs(first.tools());
    assertThat(again.tools().get(0).inputSchema()).isSameAs(first.tools().get(0).inputSchema());

    registry.set(listing("Describes a node type, with its inputs."));
    ToolListing changed = client.list(5_000).await();
    assertThat(changed.tools()).isNotSameAs(first.tools());
    assertThat(changed.tools().get(0).description()).isEqualTo("Describes a node type, with its inputs.");
    assertThat(client.list(5_000).await().tools()).isSameAs(changed.tools());
  }
}
