package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** The tool registry: every tool's spec, and the external MCP servers' states. */
public record ToolListing(List<ToolSpec> tools, JsonArray servers) {
  public JsonObject toJson() {
    JsonArray specs = new JsonArray();
    tools.forEach(t -> specs.add(t.toJson()));
    return new JsonObject().put("tools", specs).put("servers", servers);
  }

  public static ToolListing fromJson(JsonObject json) {
    List<ToolSpec> specs = new ArrayList<>();
    json.getJsonArray("tools", new JsonArray()).forEach(o -> specs.add(ToolSpec.fromJson((JsonObject) o)));
    return new ToolListing(specs, json.getJsonArray("servers", new JsonArray()));
  }
}
