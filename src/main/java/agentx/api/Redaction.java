package agentx.api;

import java.util.regex.Pattern;

/** What must never reach a log line: the API token in a query string ({@code ?token=}, SockJS's {@code /info?token=}). */
final class Redaction {
  private static final Pattern TOKEN = Pattern.compile("(?i)([?&](?:token|access_token|api_key|key)=)[^&#]*");

  private Redaction() {}

  static String uri(String uri) {
    return uri == null ? null : TOKEN.matcher(uri).replaceAll("$1***");
  }
}
