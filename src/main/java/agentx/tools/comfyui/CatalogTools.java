package agentx.tools.comfyui;

import agentx.tools.Tool;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Read-only tools over ComfyUI's node catalogue, models and hardware. */
final class CatalogTools {
  /** A search is a few words; a longer query (a pasted workflow) would only be echoed back in the result. */
  static final int MAX_QUERY_CHARS = 500;

  private final ComfyUiClient client;

  CatalogTools(ComfyUiClient client) {
    this.client = client;
  }

  List<Tool> tools() {
    return List.of(searchNodes(), getNodeInfo(), listModels(), getSystemStats());
  }

  private Tool searchNodes() {
    ToolSpec spec = new ToolSpec("search_nodes",
        "Search the node classes installed on the user's ComfyUI (from /object_info) by words matched against the"
            + " class name, display name, category and description; results are ranked, best first, with each node's"
            + " inputs (name:TYPE, ? = optional) and outputs (index:TYPE). Use it to find the right class_type before"
            + " add_node, or to check whether a custom node is installed.",
        Schemas.object()
            .string("query", "Words to look for, e.g. 'upscale latent' or 'lora loader'", true)
            .string("category", "Only nodes whose category starts with this, e.g. 'loaders' or 'image'", false)
            .integer("limit", "Maximum number of results (default 10)", 1, 50, false)
            .build(),
        Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> {
      String query = Args.string(args, "query");
      if (query.length() > MAX_QUERY_CHARS) {
        throw new ToolRefusal("The query is " + query.length() + " characters long; a few words (at most " + MAX_QUERY_CHARS
            + " characters) find nodes.");
      }
      String category = Args.optString(args, "category");
      int limit = Args.optInt(args, "limit", 10, 1, 50);
      return client.objectInfo().map(info -> {
        JsonArray results = NodeSearch.search(new NodeCatalog(info), query, category, limit);
        return ToolResult.json(new JsonObject().put("query", query).put("count", results.size())
            .put("results", results));
      });
    });
  }

  private Tool getNodeInfo() {
    ToolSpec spec = new ToolSpec("get_node_info",
        "Get the full definition of node classes from ComfyUI's /object_info: required and optional inputs with their"
            + " types, defaults, min/max and allowed values (combo lists, e.g. the installed checkpoint files), and"
            + " the output types by index (the index is what a link [node_id, index] refers to). Unknown names are"
            + " reported with the closest installed classes.",
        Schemas.object().stringArray("node_types", "Class names (class_type), e.g. ['KSampler', 'VAEDecode']", true)
            .build(),
        Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> {
      List<String> names = Args.strings(args, "node_types");
      return client.objectInfo().map(info -> {
        NodeCatalog catalog = new NodeCatalog(info);
        JsonObject nodes = new JsonObject();
        JsonObject unknown = new JsonObject();
        for (String name : names) {
          if (catalog.has(name)) {
            nodes.put(name, catalog.info(name));
          } else {
            unknown.put(name, new JsonArray(Similarity.closest(name, catalog.classNames(), 5)));
          }
        }
        JsonObject answer = new JsonObject().put("nodes", nodes);
        if (!unknown.isEmpty()) {
          answer.put("unknown", unknown).put("note", "Classes under 'unknown' are not installed on this ComfyUI;"
              + " the lists are the closest installed names.");
        }
        return ToolResult.json(answer);
      });
    });
  }

  private Tool listModels() {
    ToolSpec spec = new ToolSpec("list_models",
        "List model files known to ComfyUI. Without 'folder' it lists the model folder names (checkpoints, loras,"
            + " vae, text_encoders, diffusion_models, controlnet, upscale_models, ...); with a folder it lists the"
            + " files exactly as a loader input must name them (including subfolder prefixes).",
        Schemas.object().string("folder", "Model folder, e.g. 'checkpoints' or 'loras'", false).build(),
        Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> {
      String folder = Args.optString(args, "folder");
      if (folder == null) {
        return client.models().map(folders -> ToolResult.json(new JsonObject().put("folders", folders)));
      }
      return client.models(folder)
          .map(files -> ToolResult.json(new JsonObject().put("folder", folder).put("count", files.size())
              .put("files", files)))
          .recover(err -> unknownFolder(folder, err));
    });
  }

  /** ComfyUI answers 404 for unknown folders, including the legacy names clip and unet. */
  private Future<ToolResult> unknownFolder(String folder, Throwable err) {
    if (!(err instanceof ComfyUiException comfy) || comfy.status() != 404) {
      return Future.failedFuture(err);
    }
    String legacy = switch (folder) {
      case "clip" -> " ('clip' is now 'text_encoders')";
      case "unet" -> " ('unet' is now 'diffusion_models')";
      default -> "";
    };
    return client.models().map(folders -> ToolResult.error("ComfyUI has no model folder '" + folder + "'" + legacy
        + ".", new JsonObject().put("folders", folders)));
  }

  private Tool getSystemStats() {
    ToolSpec spec = new ToolSpec("get_system_stats",
        "Get ComfyUI's version, Python/PyTorch versions, RAM and each GPU's total and free VRAM (from /system_stats)."
            + " Useful to explain out-of-memory errors or to check which ComfyUI version runs.",
        Schemas.object().build(), Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> client.systemStats().map(ToolResult::json));
  }
}
