package agentx.tools.comfyui;

import io.vertx.core.buffer.Buffer;

/** A file served by ComfyUI's {@code GET /view}: its bytes and the content type ComfyUI guessed. */
public record ComfyFile(String filename, Buffer bytes, String contentType) {}
