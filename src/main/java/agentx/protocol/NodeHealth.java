package agentx.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** What each service says of itself when /health asks it over the bus. */
public final class NodeHealth {
  private NodeHealth() {}

  /** The store: {@code status} "up" and the database kind. */
  public record Store(String status, String database) {
    public JsonObject toJson() {
      return new JsonObject().put("status", status).put("database", database);
    }

    public static Store fromJson(JsonObject json) {
      return new Store(json.getString("status"), json.getString("database"));
    }
  }

  /** The engine: whether IT has a Claude key (the API node's own config says nothing about that), and its node. */
  public record Engine(boolean llmConfigured, String node) {
    public JsonObject toJson() {
      return new JsonObject().put("llm", llmConfigured ? "configured" : "not_configured").put("node", node);
    }

    public static Engine fromJson(JsonObject json) {
      return new Engine("configured".equals(json.getString("llm")), json.getString("node"));
    }
  }

  /** The tools service: ComfyUI reachable ("up"/"down"), its URL, and the external MCP servers' states. */
  public record Tools(String comfyui, String comfyuiUrl, JsonArray servers) {
    public JsonObject toJson() {
      return new JsonObject().put("comfyui", comfyui).put("comfyui_url", comfyuiUrl).put("servers", servers);
    }

    public static Tools fromJson(JsonObject json) {
      return new Tools(json.getString("comfyui", "unknown"), json.getString("comfyui_url"), json.getJsonArray("servers", new JsonArray()));
    }
  }
}
