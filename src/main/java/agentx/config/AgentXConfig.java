package agentx.config;

import io.github.cdimascio.dotenv.Dotenv;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The runtime's settings, resolved once: environment first, then {@code .env} in the working
 * directory, then {@code conf/config.json} (or {@code --config FILE}), then defaults. Keys are the
 * environment variable names everywhere (env, .env, JSON file), so there is one vocabulary.
 * Verticles receive the resolved values as their deployment config and read them back with
 * {@link #from(JsonObject)}.
 */
public final class AgentXConfig {

  public static final String ANTHROPIC_API_KEY = "ANTHROPIC_API_KEY";
  public static final String ANTHROPIC_BASE_URL = "ANTHROPIC_BASE_URL";
  /** A bearer token for gateways (sent as {@code Authorization: Bearer}, instead of {@code x-api-key}), as the official SDKs read it. */
  public static final String ANTHROPIC_AUTH_TOKEN = "ANTHROPIC_AUTH_TOKEN";
  /** Extra request headers for gateways: newline-separated {@code Name: value} lines, as Claude Code reads them. */
  public static final String ANTHROPIC_CUSTOM_HEADERS = "ANTHROPIC_CUSTOM_HEADERS";
  public static final String MODEL = "AGENTX_MODEL";
  public static final String MAX_TOKENS = "AGENTX_MAX_TOKENS";
  public static final String DATABASE_URL = "AGENTX_DATABASE_URL";
  public static final String LOG_LEVEL = "AGENTX_LOG_LEVEL";
  public static final String HOST = "AGENTX_HOST";
  public static final String PORT = "AGENTX_PORT";
  public static final String COMFYUI_URL = "COMFYUI_URL";
  public static final String API_TOKEN = "AGENTX_API_TOKEN";
  public static final String BUSY_POLICY = "AGENTX_BUSY_POLICY";
  public static final String TOOL_TIMEOUT = "AGENTX_TOOL_TIMEOUT";
  public static final String MCP_SERVERS_FILE = "AGENTX_MCP_SERVERS_FILE";
  public static final String MAX_BODY_BYTES = "AGENTX_MAX_BODY_BYTES";
  public static final String MAX_LLM_CALLS = "AGENTX_MAX_LLM_CALLS";
  public static final String LLM_CONNECT_TIMEOUT = "AGENTX_LLM_CONNECT_TIMEOUT";
  public static final String LLM_IDLE_TIMEOUT = "AGENTX_LLM_IDLE_TIMEOUT";
  public static final String LLM_MAX_RETRIES = "AGENTX_LLM_MAX_RETRIES";
  public static final String TURN_TIMEOUT = "AGENTX_TURN_TIMEOUT";
  public static final String CONTEXT_WINDOW = "AGENTX_CONTEXT_WINDOW";
  /** {@code auto}: the API's server-side context editing for the models the catalogue marks; {@code off}: never (a gateway without the beta). */
  public static final String CONTEXT_MANAGEMENT = "AGENTX_CONTEXT_MANAGEMENT";
  public static final String SYSTEM_PROMPT = "AGENTX_SYSTEM_PROMPT";
  public static final String PRICES = "AGENTX_PRICES";
  /** A JSON file merged over the built-in model catalogue (models.json), see docs/MODELS.md. */
  public static final String MODELS_FILE = "AGENTX_MODELS_FILE";
  public static final String WS_HEARTBEAT = "AGENTX_WS_HEARTBEAT";
  /** Seconds between {@code : ping} comments on an idle SSE stream (0: none). */
  public static final String SSE_HEARTBEAT = "AGENTX_SSE_HEARTBEAT";
  /** Events an SSE client may fall behind by (beyond what the socket holds) before it is closed. */
  public static final String SSE_MAX_QUEUE = "AGENTX_SSE_MAX_QUEUE";
  /** On a node without the api role: the port of its own /metrics (0 or unset: none). */
  public static final String METRICS_PORT = "AGENTX_METRICS_PORT";
  public static final String CORS_ORIGINS = "AGENTX_CORS_ORIGINS";
  /** Host names (beyond loopback and AGENTX_HOST) a request's Host header may carry: DNS-rebinding defence. */
  public static final String ALLOWED_HOSTS = "AGENTX_ALLOWED_HOSTS";
  /** Server defaults of the session spending limits (USD); unset = no limit. */
  public static final String MAX_TURN_COST_USD = "AGENTX_MAX_TURN_COST_USD";
  public static final String MAX_SESSION_COST_USD = "AGENTX_MAX_SESSION_COST_USD";
  /** Resume the turns a crashed or departed engine left running (true), or close them as failed (false). */
  public static final String RESUME_TURNS = "AGENTX_RESUME_TURNS";
  /** Seconds a tool call waits for its approval before it is denied (0: it waits until answered). */
  public static final String APPROVAL_TIMEOUT = "AGENTX_APPROVAL_TIMEOUT";
  /** Largest WebSocket message (after reassembly) any socket accepts, in bytes; bigger ones close the socket with 1009. */
  public static final String MAX_WS_MESSAGE_BYTES = "AGENTX_MAX_WS_MESSAGE_BYTES";
  public static final String CLUSTER = "AGENTX_CLUSTER";
  public static final String CLUSTER_HOST = "AGENTX_CLUSTER_HOST";
  public static final String CLUSTER_PORT = "AGENTX_CLUSTER_PORT";
  public static final String CLUSTER_MEMBERS = "AGENTX_CLUSTER_MEMBERS";
  public static final String ROLES = "AGENTX_ROLES";
  public static final String CLUSTER_FAILURE_TIMEOUT = "AGENTX_CLUSTER_FAILURE_TIMEOUT";
  /** This store node shares its database with other store nodes of the cluster (then it must be PostgreSQL). */
  public static final String STORE_SHARED = "AGENTX_STORE_SHARED";

  /** Defaults, in the order the README's configuration table lists them. */
  private static final Map<String, Object> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put(ANTHROPIC_BASE_URL, "https://api.anthropic.com");
    DEFAULTS.put(MODEL, "claude-sonnet-5-5");
    DEFAULTS.put(MAX_TOKENS, 4096);
    DEFAULTS.put(DATABASE_URL, "sqlite:///agentx_sessions.db");
    DEFAULTS.put(LOG_LEVEL, "INFO");
    DEFAULTS.put(HOST, "127.0.0.1");
    DEFAULTS.put(PORT, 8000);
    DEFAULTS.put(COMFYUI_URL, "http://127.0.0.1:8188");
    DEFAULTS.put(BUSY_POLICY, "queue");
    DEFAULTS.put(TOOL_TIMEOUT, 120);
    DEFAULTS.put(MAX_BODY_BYTES, 1024 * 1024);
    DEFAULTS.put(MAX_LLM_CALLS, 25);
    DEFAULTS.put(LLM_CONNECT_TIMEOUT, 10);
    DEFAULTS.put(LLM_IDLE_TIMEOUT, 60);
    DEFAULTS.put(LLM_MAX_RETRIES, 2);
    DEFAULTS.put(TURN_TIMEOUT, 1800);
    DEFAULTS.put(CONTEXT_WINDOW, 200_000);
    DEFAULTS.put(CONTEXT_MANAGEMENT, "auto");
    DEFAULTS.put(WS_HEARTBEAT, 30);
    DEFAULTS.put(SSE_HEARTBEAT, 15);
    DEFAULTS.put(SSE_MAX_QUEUE, 1000);
    DEFAULTS.put(METRICS_PORT, 0);
    DEFAULTS.put(CORS_ORIGINS, "");
    DEFAULTS.put(ALLOWED_HOSTS, "");
    DEFAULTS.put(MAX_WS_MESSAGE_BYTES, 256 * 1024);
    DEFAULTS.put(CLUSTER, false);
    DEFAULTS.put(CLUSTER_HOST, "127.0.0.1");
    DEFAULTS.put(CLUSTER_PORT, 5701);
    DEFAULTS.put(CLUSTER_MEMBERS, "");
    DEFAULTS.put(CLUSTER_FAILURE_TIMEOUT, 10);
    DEFAULTS.put(ROLES, "api,engine,store,tools");
    DEFAULTS.put(STORE_SHARED, false);
    DEFAULTS.put(RESUME_TURNS, true);
    DEFAULTS.put(APPROVAL_TIMEOUT, 0);
  }

  /** Every key the runtime reads; used to pick them out of the process environment. */
  public static final Set<String> KEYS = Set.of(ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN,
      ANTHROPIC_CUSTOM_HEADERS, MODELS_FILE, MODEL, MAX_TOKENS, DATABASE_URL,
      LOG_LEVEL, HOST, PORT, COMFYUI_URL, API_TOKEN, BUSY_POLICY, TOOL_TIMEOUT, MCP_SERVERS_FILE, MAX_BODY_BYTES,
      MAX_LLM_CALLS, LLM_CONNECT_TIMEOUT, LLM_IDLE_TIMEOUT, LLM_MAX_RETRIES, TURN_TIMEOUT, CONTEXT_WINDOW, CONTEXT_MANAGEMENT,
      SYSTEM_PROMPT, PRICES, WS_HEARTBEAT, SSE_HEARTBEAT, SSE_MAX_QUEUE, METRICS_PORT, CORS_ORIGINS, ALLOWED_HOSTS, MAX_WS_MESSAGE_BYTES,
      MAX_TURN_COST_USD, MAX_SESSION_COST_USD, CLUSTER, CLUSTER_HOST, CLUSTER_PORT, CLUSTER_MEMBERS, ROLES, CLUSTER_FAILURE_TIMEOUT,
      STORE_SHARED, RESUME_TURNS, APPROVAL_TIMEOUT);

  /** An HTTP header name (RFC 9110 token). */
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  public static final List<String> ALL_ROLES = List.of("api", "engine", "store", "tools");

  private final JsonObject values;

  private AgentXConfig(JsonObject values) {
    this.values = values;
  }

  public static AgentXConfig from(JsonObject values) {
    JsonObject merged = new JsonObject(new LinkedHashMap<>(DEFAULTS));
    merged.mergeIn(values);
    return new AgentXConfig(merged);
  }

  public static AgentXConfig defaults() {
    return from(new JsonObject());
  }

  /**
   * Resolves the layers. {@code configFile} null means {@code conf/config.json} when it exists.
   *
   * @param env the process environment (a parameter so tests can pass their own)
   * @param workingDir where {@code .env} and {@code conf/} are looked up
   */
  public static AgentXConfig load(Map<String, String> env, Path workingDir, Path configFile) {
    JsonObject layered = new JsonObject();
    Path file = configFile != null ? configFile : workingDir.resolve("conf/config.json");
    if (configFile != null && !Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("config file not found: " + configFile);
    }
    if (Files.isRegularFile(file)) {
      try {
        layered.mergeIn(new JsonObject(Files.readString(file)));
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
      }
    }
    Path dotenv = workingDir.resolve(".env");
    if (Files.isRegularFile(dotenv)) {
      Dotenv.configure().directory(workingDir.toString()).ignoreIfMalformed().load()
          .entries(Dotenv.Filter.DECLARED_IN_ENV_FILE)
          .forEach(e -> layered.put(e.getKey(), e.getValue()));
    }
    for (String key : KEYS) {
      String value = env.get(key);
      if (value != null && !value.isBlank()) {
        layered.put(key, value);
      }
    }
    return from(layered);
  }

  /** A copy with some values replaced (CLI flags, tests). Null values are ignored. */
  public AgentXConfig with(String key, Object value) {
    if (value == null) {
      return this;
    }
    JsonObject copy = values.copy();
    copy.put(key, value);
    return new AgentXConfig(copy);
  }

  public JsonObject toJson() {
    return values.copy();
  }

  public String string(String key) {
    Object v = values.getValue(key);
    return v == null ? null : v.toString();
  }

  public int integer(String key) {
    Object v = values.getValue(key);
    if (v instanceof Number n) {
      return n.intValue();
    }
    try {
      return Integer.parseInt(String.valueOf(v).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + v + "'");
    }
  }

  public boolean bool(String key) {
    Object v = values.getValue(key);
    return v instanceof Boolean b ? b : "true".equalsIgnoreCase(String.valueOf(v).trim());
  }

  /** The JSON object under a key (given as JSON text in env files), or an empty one. */
  public JsonObject json(String key) {
    Object v = values.getValue(key);
    if (v instanceof JsonObject o) {
      return o;
    }
    if (v instanceof Map<?, ?> m) {
      JsonObject object = new JsonObject();
      m.forEach((name, value) -> object.put(String.valueOf(name), value));
      return object;
    }
    if (v == null || String.valueOf(v).isBlank()) {
      return new JsonObject();
    }
    try {
      return new JsonObject(String.valueOf(v));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(key + " must be a JSON object: " + e.getMessage());
    }
  }

  public List<String> list(String key) {
    String v = string(key);
    if (v == null || v.isBlank()) {
      return List.of();
    }
    return List.of(v.split("\\s*,\\s*"));
  }

  public boolean hasApiKey() {
    return !blank(string(ANTHROPIC_API_KEY));
  }

  public boolean hasAuthToken() {
    return !blank(string(ANTHROPIC_AUTH_TOKEN));
  }

  /**
   * Whether the engine can call a Messages API: with an API key or a bearer token, or without either
   * when {@code ANTHROPIC_BASE_URL} points somewhere other than Anthropic (a local gateway such as
   * Ollama needs no key).
   */
  public boolean llmConfigured() {
    return hasApiKey() || hasAuthToken() || !anthropicHost();
  }

  /** Whether {@code ANTHROPIC_BASE_URL} is Anthropic's own API (anthropic.com or a subdomain). */
  public boolean anthropicHost() {
    String host;
    try {
      host = URI.create(String.valueOf(string(ANTHROPIC_BASE_URL)).trim()).getHost();
    } catch (IllegalArgumentException e) {
      return true; // not a URL: treat it as Anthropic's, so a key is still asked for
    }
    if (host == null) {
      return true;
    }
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("anthropic.com") || h.endsWith(".anthropic.com");
  }

  /**
   * {@code ANTHROPIC_CUSTOM_HEADERS} as name to value, in order: one {@code Name: value} per line,
   * blank lines ignored (the format of Claude Code and the official SDKs' environment).
   *
   * @throws IllegalArgumentException naming the line number (never the value, which may be a secret)
   */
  public Map<String, String> customHeaders() {
    String raw = string(ANTHROPIC_CUSTOM_HEADERS);
    Map<String, String> headers = new LinkedHashMap<>();
    if (blank(raw)) {
      return headers;
    }
    String[] lines = raw.split("\\r?\\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? "" : line.substring(0, colon).strip();
      if (!HEADER_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(ANTHROPIC_CUSTOM_HEADERS + " line " + (i + 1)
            + " is not a \"Name: value\" header (one header per line; names are letters, digits and - _ . ! # $ % & ' * + ^ ` | ~).");
      }
      headers.put(name, line.substring(colon + 1).strip());
    }
    return headers;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  /**
   * Whether server-side context management may be used ({@code AGENTX_CONTEXT_MANAGEMENT}).
   *
   * @throws IllegalArgumentException when the value is neither {@code auto} nor {@code off}
   */
  public boolean contextManagement() {
    String v = string(CONTEXT_MANAGEMENT);
    String value = v == null ? "auto" : v.strip().toLowerCase(java.util.Locale.ROOT);
    return switch (value) {
      case "auto", "" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException(CONTEXT_MANAGEMENT + " must be auto or off, got '" + v + "'");
    };
  }

  public DatabaseUrl database() {
    return DatabaseUrl.parse(string(DATABASE_URL));
  }

  /**
   * The database of a store node. Refuses a SQLite URL when {@code AGENTX_STORE_SHARED} says other
   * store nodes use the same database: SQLite cannot be shared that way.
   */
  public DatabaseUrl storeDatabase() {
    DatabaseUrl url = database();
    if (bool(STORE_SHARED) && url.kind() == DatabaseUrl.Kind.SQLITE) {
      throw new IllegalArgumentException(STORE_SHARED + " is true but " + DATABASE_URL + " is the SQLite file "
          + url.sqlitePath() + ": SQLite is a single-writer file local to one machine, so several store nodes cannot"
          + " share it; use PostgreSQL (postgresql://user:pass@host:port/db) for several store nodes.");
    }
    return url;
  }

  /** The settings as safe to print: secrets masked. */
  @Override
  public String toString() {
    JsonObject safe = values.copy();
    for (String secret : List.of(ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, API_TOKEN)) {
      if (safe.containsKey(secret)) {
        safe.put(secret, "****");
      }
    }
    if (safe.containsKey(ANTHROPIC_CUSTOM_HEADERS)) {
      // header values may carry credentials: print the names only
      String names;
      try {
        names = String.join(", ", customHeaders().keySet()) + ": ****";
      } catch (IllegalArgumentException e) {
        names = "****";
      }
      safe.put(ANTHROPIC_CUSTOM_HEADERS, names);
    }
    safe.put(DATABASE_URL, database().redacted());
    for (String url : List.of(ANTHROPIC_BASE_URL, COMFYUI_URL)) {
      if (safe.getValue(url) instanceof String given) {
        safe.put(url, Urls.withoutCredentials(given));
      }
    }
    return safe.encode();
  }
}
