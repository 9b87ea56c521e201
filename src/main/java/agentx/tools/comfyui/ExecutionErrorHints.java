package agentx.tools.comfyui;

import java.util.List;
import java.util.Locale;

/** Known causes of ComfyUI execution errors, matched on exception type and message. */
final class ExecutionErrorHints {
  private record Hint(List<String> needles, String advice) {}

  private static final List<Hint> HINTS = List.of(
      new Hint(List.of("outofmemory", "out of memory", "allocation on device"),
          "The GPU ran out of memory: lower width/height or batch_size, use a smaller (fp8/GGUF) model or a tiled VAE"
              + " decode, or start ComfyUI with --lowvram; get_system_stats shows the free VRAM."),
      new Hint(List.of("mat1 and mat2 shapes cannot be multiplied"),
          "Model parts from different families are mixed (e.g. an SDXL checkpoint with an SD1.5 LoRA, ControlNet or"
              + " CLIP, or the wrong CLIP type): use components made for the same model family."),
      new Hint(List.of("headertoolarge", "metadataincompletebuffer", "safetensors file is corrupt", "incomplete metadata"),
          "The model file is corrupt or incomplete (a truncated download, or an HTML page or Git-LFS pointer saved as"
              + " .safetensors): download it again and check its size or hash."),
      new Hint(List.of("clip input is invalid"),
          "This checkpoint has no CLIP/text encoder (a UNet-only file): load it with UNETLoader plus CLIPLoader or"
              + " DualCLIPLoader and VAELoader instead of CheckpointLoaderSimple."),
      new Hint(List.of("filenotfounderror", "not found."),
          "A file the node needs is missing: check list_models for the folder (or upload_image for inputs) and pick a"
              + " file that exists."),
      new Hint(List.of("dependencycycle", "dependency cycle"),
          "The graph has a loop: break it by reconnecting one of the links on the cycle."),
      new Hint(List.of("modulenotfounderror", "importerror", "no module named"),
          "A custom node's Python dependency is missing: install the pack's requirements into ComfyUI's own Python"
              + " and restart ComfyUI."),
      new Hint(List.of("executionblocked", "execution blocked"),
          "A switch or gate node blocked this branch on purpose: check that node's settings."));

  private ExecutionErrorHints() {}

  /** Advice for the error, or null when none of the known causes fits. */
  static String hintFor(String exceptionType, String exceptionMessage) {
    String haystack = ((exceptionType == null ? "" : exceptionType) + " " + (exceptionMessage == null ? ""
        : exceptionMessage)).toLowerCase(Locale.ROOT);
    for (Hint hint : HINTS) {
      if (hint.needles().stream().anyMatch(haystack::contains)) {
        return hint.advice();
      }
    }
    return null;
  }
}
