package agentx.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes the AgentX extension into a ComfyUI folder: {@code custom_nodes/agentx/__init__.py} (only
 * {@code WEB_DIRECTORY}, no nodes) and {@code web/agentx.js}, a loader that imports the panel the
 * runtime serves at {@code <url>/comfyui/agentx-panel.js}. Everything is checked before the first
 * byte is written, so a refused install changes nothing; running it again updates the files in place.
 */
public final class ComfyUiExtensionInstaller {
  public static final String DEFAULT_URL = "http://127.0.0.1:8000";
  static final String FOLDER = "agentx";
  /** What the loader template holds where install writes the --url (a valid JS string either way). */
  private static final Pattern URL_SLOT = Pattern.compile("/\\* --url \\*/ \"[^\"\\n]*\"");
  /** Our own files start with this line, so a re-run can tell them from someone else's "agentx" folder. */
  private static final String SIGNATURE = "AgentX for ComfyUI, written by `java -jar agentx.jar install-comfyui`";

  /** A refused install: the sentence says what is wrong and what to do. */
  public static final class InstallException extends Exception {
    InstallException(String message) {
      super(message);
    }
  }

  /** What was written: the extension folder and its two files. */
  public record Installed(Path folder, Path init, Path loader, String url, boolean updated) {}

  private ComfyUiExtensionInstaller() {}

  public static Installed install(Path comfyUiDir, String url) throws InstallException {
    Path dir = comfyUiDir.toAbsolutePath().normalize();
    if (!Files.isDirectory(dir)) {
      throw new InstallException(Files.exists(dir) ? dir + " is a file, not a ComfyUI folder."
          : "There is no folder " + dir + "; give the folder where ComfyUI is installed (the one with main.py).");
    }
    if (!Files.isRegularFile(dir.resolve("main.py")) && !Files.isDirectory(dir.resolve("comfy"))) {
      throw new InstallException(dir + " does not look like a ComfyUI folder: it has neither main.py nor a comfy/ folder.");
    }
    Path customNodes = dir.resolve("custom_nodes");
    if (!Files.isDirectory(customNodes)) {
      throw new InstallException(dir + " has no custom_nodes/ folder, so it is not a ComfyUI folder ComfyUI can load"
          + " extensions from.");
    }
    String runtimeUrl = normalizeUrl(url);
    Path folder = customNodes.resolve(FOLDER);
    Path init = folder.resolve("__init__.py");
    Path loader = folder.resolve("web").resolve("agentx.js");
    boolean updating = Files.exists(folder);
    if (updating && !(isOurs(init) && (!Files.exists(loader) || isOurs(loader)))) {
      throw new InstallException(folder + " already exists and was not written by AgentX; move it away and run"
          + " install-comfyui again.");
    }
    String initText = template("__init__.py");
    String loaderText = template("agentx.js");
    Matcher slot = URL_SLOT.matcher(loaderText);
    if (!slot.find()) {
      throw new IllegalStateException("the loader template has no --url slot");
    }
    loaderText = slot.replaceFirst(Matcher.quoteReplacement("/* --url */ \"" + runtimeUrl + "\""));
    try {
      Files.createDirectories(loader.getParent());
      writeAtomically(init, initText);
      writeAtomically(loader, loaderText);
    } catch (IOException e) {
      throw new InstallException("Cannot write into " + folder + ": " + e.getMessage());
    }
    return new Installed(folder, init, loader, runtimeUrl, updating);
  }

  /**
   * An http(s) URL of the runtime, without a trailing slash or anything a JS string could not hold
   * as written (it goes into the loader between double quotes).
   */
  static String normalizeUrl(String url) throws InstallException {
    String trimmed = url == null ? "" : url.trim();
    try {
      URI uri = new URI(trimmed);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      boolean plainPath = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/");
      if (!List.of("http", "https").contains(scheme) || uri.getHost() == null || !plainPath
          || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getUserInfo() != null) {
        throw new URISyntaxException(trimmed, "not a bare http(s) URL");
      }
      return scheme + "://" + uri.getRawAuthority();
    } catch (URISyntaxException e) {
      throw new InstallException("--url must be the runtime's address such as " + DEFAULT_URL + ", not '" + url + "'.");
    }
  }

  private static boolean isOurs(Path file) {
    try {
      return Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).contains(SIGNATURE);
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  private static String template(String name) {
    try (InputStream in = ComfyUiExtensionInstaller.class.getResourceAsStream("/comfyui-extension/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource comfyui-extension/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file ComfyUI reads at start-up is never seen half written: write beside it, then rename. */
  private static void writeAtomically(Path target, String text) throws IOException {
    Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
    try {
      Files.writeString(temp, text, StandardCharsets.UTF_8);
      try {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
