package agentx.tools.mcp;

import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Converts between the MCP Java SDK's types and ours (ToolSpec, ToolResult, Vert.x JSON). */
final class SdkMapping {
  private SdkMapping() {}

  /** The external tool as a registry tool named {@code registryName}. */
  static ToolSpec toSpec(McpSchema.Tool tool, String registryName, String server, McpJsonMapper mapper) {
    JsonObject schema = tool.inputSchema() == null ? new JsonObject() : toJson(tool.inputSchema(), mapper);
    if (!schema.containsKey("type")) {
      schema.put("type", "object");
    }
    String description = tool.description() != null ? tool.description()
        : tool.title() != null ? tool.title()
        : "Tool " + tool.name() + " of the MCP server " + server;
    return new ToolSpec(registryName, description, schema, annotations(tool.annotations()), server);
  }

  private static JsonObject annotations(McpSchema.ToolAnnotations a) {
    JsonObject json = new JsonObject();
    if (a == null) {
      return json;
    }
    putIfSet(json, "title", a.title());
    putIfSet(json, "readOnlyHint", a.readOnlyHint());
    putIfSet(json, "destructiveHint", a.destructiveHint());
    putIfSet(json, "idempotentHint", a.idempotentHint());
    putIfSet(json, "openWorldHint", a.openWorldHint());
    return json;
  }

  private static void putIfSet(JsonObject json, String key, Object value) {
    if (value != null) {
      json.put(key, value);
    }
  }

  /**
   * The SDK's result as ours. Text and images pass through; other blocks become text Claude can
   * read (audio and binary resources are described, not forwarded).
   */
  static ToolResult toResult(McpSchema.CallToolResult result, McpJsonMapper mapper) {
    JsonArray content = new JsonArray();
    if (result.content() != null) {
      result.content().forEach(block -> content.add(toBlock(block)));
    }
    if (content.isEmpty() && result.structuredContent() != null) {
      content.add(ToolResult.text(write(result.structuredContent(), mapper)));
    }
    return new ToolResult(content, Boolean.TRUE.equals(result.isError()));
  }

  private static JsonObject toBlock(McpSchema.Content block) {
    if (block instanceof McpSchema.TextContent text) {
      return ToolResult.text(text.text());
    }
    if (block instanceof McpSchema.ImageContent image) {
      return ToolResult.image(image.data(), image.mimeType());
    }
    if (block instanceof McpSchema.AudioContent audio) {
      return ToolResult.text("[audio (" + audio.mimeType() + ") omitted]");
    }
    if (block instanceof McpSchema.ResourceLink link) {
      return ToolResult.text("[resource " + link.name() + ": " + link.uri() + "]");
    }
    if (block instanceof McpSchema.EmbeddedResource embedded) {
      McpSchema.ResourceContents resource = embedded.resource();
      if (resource instanceof McpSchema.TextResourceContents text) {
        return ToolResult.text(text.text());
      }
      if (resource instanceof McpSchema.BlobResourceContents blob) {
        if (blob.mimeType() != null && blob.mimeType().startsWith("image/")) {
          return ToolResult.image(blob.blob(), blob.mimeType());
        }
        return ToolResult.text("[binary resource " + blob.uri() + " (" + blob.mimeType() + ") omitted]");
      }
    }
    return ToolResult.text("[" + block.type() + " content omitted]");
  }

  /** A deep copy through JSON text: SDK maps may hold Jackson-only values. */
  static JsonObject toJson(Object value, McpJsonMapper mapper) {
    return new JsonObject(write(value, mapper));
  }

  private static String write(Object value, McpJsonMapper mapper) {
    try {
      return mapper.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
