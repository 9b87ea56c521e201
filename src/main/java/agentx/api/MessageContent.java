package agentx.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Base64;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A message's {@code content} given as Anthropic content blocks: text blocks and base64 images
 * (what a page sends when the user attaches a picture). Checked here, at the edge, against what the
 * Messages API accepts, so a bad image is a 400 now rather than an upstream error mid-turn.
 */
final class MessageContent {
  static final int MAX_BLOCKS = 20;
  /** The Messages API's limit for one base64 image. */
  static final int MAX_IMAGE_BYTES = 5 * 1024 * 1024;
  static final Set<String> IMAGE_TYPES = Set.of("image/png", "image/jpeg", "image/gif", "image/webp");

  private MessageContent() {}

  /** @throws agentx.events.AgentXException VALIDATION_FAILED naming the block and why */
  static JsonArray check(JsonArray blocks) {
    if (blocks.isEmpty() || blocks.size() > MAX_BLOCKS) {
      throw Requests.invalid("content must be a non-empty string or 1 to " + MAX_BLOCKS + " content blocks.");
    }
    JsonArray clean = new JsonArray();
    long textLength = 0;
    for (int i = 0; i < blocks.size(); i++) {
      String where = "content[" + i + "]";
      if (!(blocks.getValue(i) instanceof JsonObject block)) {
        throw Requests.invalid(where + " must be a content block object.");
      }
      String type = block.getValue("type") instanceof String t ? t : "";
      switch (type) {
        case "text" -> {
          if (!(block.getValue("text") instanceof String text) || text.isEmpty()) {
            throw Requests.invalid(where + ".text must be a non-empty string.");
          }
          textLength += text.length();
          clean.add(new JsonObject().put("type", "text").put("text", text));
        }
        case "image" -> clean.add(image(block, where));
        default -> throw Requests.invalid(where + ".type must be text or image.");
      }
    }
    if (textLength > TurnRoutes.MAX_CONTENT) {
      throw Requests.invalid("content's text must be at most " + TurnRoutes.MAX_CONTENT + " characters.");
    }
    return clean;
  }

  private static JsonObject image(JsonObject block, String where) {
    if (!(block.getValue("source") instanceof JsonObject source) || !"base64".equals(source.getValue("type"))) {
      throw Requests.invalid(where + ".source must be {type: \"base64\", media_type, data}.");
    }
    String mediaType = source.getValue("media_type") instanceof String m ? m : "";
    if (!IMAGE_TYPES.contains(mediaType)) {
      throw Requests.invalid(where + ".source.media_type must be one of " + IMAGE_TYPES.stream().sorted().collect(Collectors.joining(", ")) + ".");
    }
    if (!(source.getValue("data") instanceof String data) || data.isEmpty()) {
      throw Requests.invalid(where + ".source.data must be the image's bytes in base64.");
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw Requests.invalid(where + ".source.data is not valid base64.");
    }
    if (bytes.length > MAX_IMAGE_BYTES) {
      throw new agentx.events.AgentXException(agentx.events.ErrorCode.PAYLOAD_TOO_LARGE,
          where + " is " + bytes.length / 1024 + " KB; one image may be at most " + MAX_IMAGE_BYTES / (1024 * 1024) + " MB.");
    }
    return new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64").put("media_type", mediaType)
        .put("data", data));
  }

  /** The text blocks joined: the message's {@code content} as a list or a reply shows it. */
  static String text(JsonArray blocks) {
    return blocks.stream().filter(b -> b instanceof JsonObject o && "text".equals(o.getValue("type")))
        .map(b -> String.valueOf(((JsonObject) b).getValue("text"))).collect(Collectors.joining("\n"));
  }
}
