package agentx.tools.comfyui;

import agentx.tools.Tool;
import agentx.protocol.ToolResult;
import agentx.protocol.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/** Files in and out of ComfyUI: output images for Claude to look at, input image uploads, the server log. */
final class OutputTools {
  static final int MAX_IMAGES = 8;
  private static final Pattern IMAGE_FILE = Pattern.compile("(?i).*\\.(png|jpe?g|webp|gif|bmp)$");
  private static final Pattern LOG_TROUBLE = Pattern.compile("IMPORT FAILED|Cannot import|PRESTARTUP FAILED");

  private final ComfyUiClient client;

  OutputTools(ComfyUiClient client) {
    this.client = client;
  }

  List<Tool> tools() {
    return List.of(getOutputImages(), uploadImage(), getLogs());
  }

  // ---------------------------------------------------------------- get_output_images

  private Tool getOutputImages() {
    ToolSpec spec = new ToolSpec("get_output_images",
        "Fetch the images a finished run produced (from /history and /view) so you can look at them and judge the"
            + " result. Large images are scaled down to at most 1568 px on the long side. Answers a text block"
            + " listing the files, then one image block per image (up to " + MAX_IMAGES + ").",
        Schemas.object().string("prompt_id", "The prompt_id from run_workflow", true).build(),
        Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> {
      String promptId = Args.string(args, "prompt_id");
      return client.history(promptId).compose(entry -> {
        if (entry == null) {
          throw new ToolRefusal("Prompt " + promptId + " has no finished run in ComfyUI's history yet (it may still be"
              + " pending or running: see get_execution_status).");
        }
        List<JsonObject> images = new ArrayList<>();
        RunReport.files(entry.getJsonObject("outputs", new JsonObject())).forEach(f -> {
          JsonObject file = (JsonObject) f;
          if (IMAGE_FILE.matcher(file.getString("filename")).matches()) {
            images.add(file);
          }
        });
        if (images.isEmpty()) {
          throw new ToolRefusal("The run of prompt " + promptId + " produced no image files.",
              new JsonObject().put("status", RunReport.fromHistory(promptId, entry).getString("status")));
        }
        return fetchAll(promptId, images);
      });
    });
  }

  private Future<ToolResult> fetchAll(String promptId, List<JsonObject> images) {
    // one after the other: at most one file (up to ComfyUiClient.MAX_VIEW_BYTES) and its pixels in memory at a time
    List<Future<JsonObject>> fetched = new ArrayList<>();
    Future<?> previous = Future.succeededFuture();
    for (JsonObject file : images.stream().limit(MAX_IMAGES).toList()) {
      Future<JsonObject> next = previous.transform(ignored -> fetchOne(file));
      fetched.add(next);
      previous = next;
    }
    return previous.transform(ignored -> {
      JsonArray content = new JsonArray();
      StringBuilder listing = new StringBuilder("Images of prompt " + promptId + ":");
      for (int i = 0; i < fetched.size(); i++) {
        JsonObject file = images.get(i);
        listing.append("\n").append(i + 1).append(". ").append(describe(file));
        Future<JsonObject> f = fetched.get(i);
        if (f.failed()) {
          listing.append(" - could not be fetched: ").append(f.cause().getMessage());
        } else if (f.result().getString("data") == null) {
          listing.append(" - not an image Claude can view");
        } else {
          JsonObject img = f.result();
          if (img.getInteger("width", 0) > 0) {
            listing.append(" - ").append(img.getInteger("width")).append("x").append(img.getInteger("height"));
          }
          if (img.getBoolean("scaled", false)) {
            listing.append(" (scaled down for viewing)");
          }
          content.add(ToolResult.image(img.getString("data"), img.getString("mimeType")));
        }
      }
      if (images.size() > MAX_IMAGES) {
        listing.append("\n(").append(images.size() - MAX_IMAGES).append(" more not shown)");
      }
      content.getList().add(0, ToolResult.text(listing.toString()));
      boolean none = content.size() == 1;
      return Future.succeededFuture(new ToolResult(content, none));
    });
  }

  private Future<JsonObject> fetchOne(JsonObject file) {
    return client.view(file.getString("filename"), file.getString("subfolder"), file.getString("type"))
        .compose(viewed -> client.vertx().executeBlocking(() -> {
          ImageShrinker.Prepared prepared = ImageShrinker.prepare(viewed.bytes().getBytes(), viewed.contentType());
          JsonObject result = new JsonObject();
          if (prepared != null) {
            result.put("data", Base64.getEncoder().encodeToString(prepared.bytes()))
                .put("mimeType", prepared.mimeType()).put("width", prepared.width()).put("height", prepared.height())
                .put("scaled", prepared.scaled());
          }
          return result;
        }, false));
  }

  private static String describe(JsonObject file) {
    String sub = file.getString("subfolder", "");
    return (sub.isEmpty() ? "" : sub + "/") + file.getString("filename") + " (" + file.getString("type")
        + ", node " + file.getString("node_id") + ")";
  }

  // ---------------------------------------------------------------- upload_image

  private Tool uploadImage() {
    ToolSpec spec = new ToolSpec("upload_image",
        "Upload an image into ComfyUI's input folder so a LoadImage node can use it. Answers the stored name (ComfyUI"
            + " renames to 'name (1).png' when a different file already has that name unless overwrite is true): set"
            + " LoadImage's 'image' input to the returned value of use_as.",
        Schemas.object()
            .string("filename", "File name with extension, e.g. 'cat.png' (no folders)", true)
            .string("data_base64", "The file's bytes, base64-encoded (a data: URL prefix is accepted)", true)
            .bool("overwrite", "Replace an existing file of the same name (default false)", false)
            .build(),
        Schemas.hints(false, false), null);
    return new FunctionTool(spec, (args, ctx) -> {
      String filename = Args.string(args, "filename");
      if (filename.contains("/") || filename.contains("\\") || filename.contains("..")) {
        throw new ToolRefusal("The filename must be a plain file name without folders, got '" + filename + "'.");
      }
      byte[] bytes = decodeBase64(Args.string(args, "data_base64"));
      boolean overwrite = Args.optBool(args, "overwrite", false);
      return client.uploadImage(Buffer.buffer(bytes), filename, overwrite).map(stored -> {
        // LoadImage lists the input folder in /object_info; refresh it so validation sees the new file.
        client.refreshObjectInfo();
        String sub = stored.getValue("subfolder") instanceof String given ? given : "";
        // ComfyUI answers the name it stored under; one that does not kept the name it was sent
        String name = stored.getValue("name") instanceof String given && !given.isBlank() ? given : filename;
        return ToolResult.json(stored.copy().put("bytes", bytes.length)
            .put("use_as", sub.isEmpty() ? name : sub + "/" + name));
      });
    });
  }

  private static byte[] decodeBase64(String data) {
    String b64 = data.strip();
    if (b64.startsWith("data:") && b64.contains(",")) {
      b64 = b64.substring(b64.indexOf(',') + 1);
    }
    try {
      byte[] bytes = Base64.getMimeDecoder().decode(b64);
      if (bytes.length == 0) {
        throw new ToolRefusal("data_base64 decodes to an empty file.");
      }
      return bytes;
    } catch (IllegalArgumentException e) {
      throw new ToolRefusal("data_base64 is not valid base64: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- get_logs

  private Tool getLogs() {
    ToolSpec spec = new ToolSpec("get_logs",
        "Read the end of ComfyUI's server log. Useful when a node class is missing (custom node packs that failed to"
            + " import at startup log 'IMPORT FAILED'), or to see the full error of a failed run. Lines that report"
            + " custom node import failures anywhere in the log are listed separately.",
        Schemas.object().integer("lines", "How many lines from the end (default 100)", 1, 2000, false).build(),
        Schemas.hints(true, false), null);
    return new FunctionTool(spec, (args, ctx) -> {
      int lines = Args.optInt(args, "lines", 100, 1, 2000);
      return client.logs().map(all -> {
        JsonArray failures = new JsonArray();
        all.stream().filter(l -> LOG_TROUBLE.matcher(l).find()).forEach(failures::add);
        List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
        JsonObject answer = new JsonObject().put("total_lines", all.size()).put("lines", new JsonArray(new ArrayList<>(tail)));
        if (!failures.isEmpty()) {
          answer.put("import_failures", failures);
        }
        return ToolResult.json(answer);
      });
    });
  }
}
