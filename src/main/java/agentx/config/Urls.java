package agentx.config;

import java.util.regex.Pattern;

/** URLs as they may be shown: in a log line, an error message, {@code /health}. */
public final class Urls {
  /** {@code scheme://user:password@}: the part before the host that carries credentials. */
  private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@");

  private Urls() {}

  /**
   * {@code url} with any user name and password in it ({@code http://user:secret@host}, as
   * {@code ANTHROPIC_BASE_URL} or {@code COMFYUI_URL} may be given) replaced by {@code ***}.
   */
  public static String withoutCredentials(String url) {
    return url == null ? null : USER_INFO.matcher(url).replaceFirst("$1***@");
  }
}
