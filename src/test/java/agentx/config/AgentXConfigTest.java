package agentx.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import agentx.engine.anthropic.AnthropicOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentXConfigTest {
  @TempDir Path dir;

  @Test
  @DisplayName("defaults: loopback, port 8000, the seed's SQLite file, the current model")
  void defaults() {
    AgentXConfig c = AgentXConfig.load(Map.of(), dir, null);
    assertThat(c.string(AgentXConfig.HOST)).isEqualTo("127.0.0.1");
    assertThat(c.integer(AgentXConfig.PORT)).isEqualTo(8000);
    assertThat(c.database().jdbcUrl()).isEqualTo("jdbc:sqlite:agentx_sessions.db");
    assertThat(c.string(AgentXConfig.MODEL)).isEqualTo("claude-sonnet-5-5");
    assertThat(c.hasApiKey()).isFalse();
    assertThat(c.bool(AgentXConfig.STORE_SHARED)).isFalse();
  }

  @Test
  @DisplayName("precedence: environment over .env over conf/config.json over defaults")
  void precedence() throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/config.json"), "{\"AGENTX_PORT\": 7001, \"AGENTX_MODEL\": \"from-json\", \"AGENTX_MAX_TOKENS\": 99}");
    Files.writeString(dir.resolve(".env"), "AGENTX_PORT=7002\nAGENTX_MODEL=from-dotenv\n");
    AgentXConfig c = AgentXConfig.load(Map.of("AGENTX_PORT", "7003"), dir, null);
    assertThat(c.integer(AgentXConfig.PORT)).isEqualTo(7003);
    assertThat(c.string(AgentXConfig.MODEL)).isEqualTo("from-dotenv");
    assertThat(c.integer(AgentXConfig.MAX_TOKENS)).isEqualTo(99);
    assertThat(c.string(AgentXConfig.LOG_LEVEL)).isEqualTo("INFO");
  }

  @Test
  @DisplayName("a missing --config file is a clear error")
  void missingConfigFile() {
    assertThatThrownBy(() -> AgentXConfig.load(Map.of(), dir, dir.resolve("nope.json")))
        .hasMessageContaining("config file not found");
  }

  @Test
  @DisplayName("the API key never appears when the config is printed")
  void secretsMasked() {
    AgentXConfig c = AgentXConfig.load(Map.of("ANTHROPIC_API_KEY", "sk-ant-secret-123"), dir, null);
    assertThat(c.toString()).doesNotContain("sk-ant-secret-123").contains("****");
  }

  @Test
  @DisplayName("the gateway token and custom header values never appear when the config is printed; header names do")
  void gatewaySecretsMasked() {
    AgentXConfig c = AgentXConfig.load(Map.of("ANTHROPIC_AUTH_TOKEN", "gw-secret-token",
        "ANTHROPIC_CUSTOM_HEADERS", "X-Api-Secret: hdr-secret-value\nX-Team: comfy"), dir, null);
    assertThat(c.toString()).doesNotContain("gw-secret-token").doesNotContain("hdr-secret-value").doesNotContain("comfy")
        .contains("X-Api-Secret").contains("X-Team");
  }

  @Test
  @DisplayName("a user name and password in ANTHROPIC_BASE_URL or COMFYUI_URL never appear when the config or the client options are printed")
  void urlCredentialsMasked() {
    AgentXConfig c = AgentXConfig.load(Map.of("ANTHROPIC_BASE_URL", "http://gw:gw-pass-secret@127.0.0.1:4000",
        "COMFYUI_URL", "http://cu:cu-pass-secret@127.0.0.1:8188"), dir, null);
    assertThat(c.toString()).doesNotContain("pass-secret").contains("http://***@127.0.0.1:4000").contains("http://***@127.0.0.1:8188");
    assertThat(AnthropicOptions.of("https://gw:gw-pass-secret@gateway.example/v1", "").toString())
        .doesNotContain("pass-secret").contains("https://***@gateway.example/v1");
    assertThat(Urls.withoutCredentials("http://127.0.0.1:8188/path?next=a@b")).isEqualTo("http://127.0.0.1:8188/path?next=a@b");
  }

  @Test
  @DisplayName("ANTHROPIC_CUSTOM_HEADERS: newline-separated 'Name: value' lines, blank lines skipped; a bad line is named, its value is not")
  void customHeaders() {
    AgentXConfig c = AgentXConfig.from(new io.vertx.core.json.JsonObject()
        .put(AgentXConfig.ANTHROPIC_CUSTOM_HEADERS, "X-One: 1\r\n\n  X-Two:two: parts  \nanthropic-beta: a,b"));
    assertThat(c.customHeaders()).containsExactly(Map.entry("X-One", "1"), Map.entry("X-Two", "two: parts"), Map.entry("anthropic-beta", "a,b"));
    assertThat(AgentXConfig.defaults().customHeaders()).isEmpty();
    AgentXConfig bad = AgentXConfig.from(new io.vertx.core.json.JsonObject()
        .put(AgentXConfig.ANTHROPIC_CUSTOM_HEADERS, "X-Ok: 1\nno colon secret-value"));
    assertThatThrownBy(bad::customHeaders).hasMessageContaining("line 2").hasMessageNotContaining("secret-value");
    AgentXConfig badName = AgentXConfig.from(new io.vertx.core.json.JsonObject().put(AgentXConfig.ANTHROPIC_CUSTOM_HEADERS, "Bad Name: v"));
    assertThatThrownBy(badName::customHeaders).hasMessageContaining("line 1");
  }

  @Test
  @DisplayName("the engine is configured with a key, a bearer token, or a base URL that is not Anthropic's")
  void llmConfigured() {
    assertThat(AgentXConfig.defaults().llmConfigured()).isFalse();
    assertThat(AgentXConfig.load(Map.of("ANTHROPIC_API_KEY", "k"), dir, null).llmConfigured()).isTrue();
    assertThat(AgentXConfig.load(Map.of("ANTHROPIC_AUTH_TOKEN", "t"), dir, null).llmConfigured()).isTrue();
    assertThat(AgentXConfig.load(Map.of("ANTHROPIC_BASE_URL", "http://localhost:11434"), dir, null).llmConfigured()).isTrue();
    assertThat(AgentXConfig.load(Map.of("ANTHROPIC_BASE_URL", "https://eu.api.anthropic.com"), dir, null).llmConfigured()).isFalse();
  }

  @Test
  @DisplayName("database URLs: sqlite relative and absolute, postgresql with credentials, jdbc as is")
  void databaseUrls() {
    assertThat(DatabaseUrl.parse("sqlite:///relative.db").jdbcUrl()).isEqualTo("jdbc:sqlite:relative.db");
    assertThat(DatabaseUrl.parse("sqlite:////abs/path.db").jdbcUrl()).isEqualTo("jdbc:sqlite:/abs/path.db");
    assertThat(DatabaseUrl.parse("sqlite:////abs/path.db").sqlitePath()).isEqualTo("/abs/path.db");
    DatabaseUrl pg = DatabaseUrl.parse("postgresql://user:p%40ss@db.local:5433/agentx");
    assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://db.local:5433/agentx");
    assertThat(pg.user()).isEqualTo("user");
    assertThat(pg.password()).isEqualTo("p@ss");
    assertThat(pg.kind()).isEqualTo(DatabaseUrl.Kind.POSTGRESQL);
    assertThat(DatabaseUrl.parse("jdbc:sqlite:x.db").kind()).isEqualTo(DatabaseUrl.Kind.SQLITE);
    assertThatThrownBy(() -> DatabaseUrl.parse("mysql://x")).hasMessageContaining("AGENTX_DATABASE_URL");
  }

  @Test
  @DisplayName("a database password never appears in a printed URL or config")
  void databasePasswordMasked() {
    DatabaseUrl pg = DatabaseUrl.parse("postgresql://agent:s3cr3t-pw@db.local:5433/agentx");
    assertThat(pg.toString()).doesNotContain("s3cr3t-pw").contains("db.local:5433/agentx").contains("agent");
    assertThat(pg.redacted()).doesNotContain("s3cr3t-pw");
    DatabaseUrl jdbc = DatabaseUrl.parse("jdbc:postgresql://db.local/agentx?user=agent&password=s3cr3t-pw&ssl=true");
    assertThat(jdbc.toString()).doesNotContain("s3cr3t-pw").contains("ssl=true");
    AgentXConfig c = AgentXConfig.load(Map.of("AGENTX_DATABASE_URL", "postgresql://agent:s3cr3t-pw@db.local/agentx"), dir, null);
    assertThat(c.toString()).doesNotContain("s3cr3t-pw");
  }

  @Test
  @DisplayName("a store that shares its database with other store nodes refuses SQLite, with the reason, and accepts PostgreSQL")
  void sharedStoreNeedsPostgres() {
    AgentXConfig sqlite = AgentXConfig.load(Map.of("AGENTX_STORE_SHARED", "true", "AGENTX_DATABASE_URL", "sqlite:///data/x.db"), dir, null);
    assertThat(sqlite.bool(AgentXConfig.STORE_SHARED)).isTrue();
    assertThatThrownBy(sqlite::storeDatabase).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SQLite is a single-writer file local to one machine")
        .hasMessageContaining("use PostgreSQL");
    assertThat(AgentXConfig.load(Map.of("AGENTX_DATABASE_URL", "sqlite:///data/x.db"), dir, null).storeDatabase().kind())
        .isEqualTo(DatabaseUrl.Kind.SQLITE);
    AgentXConfig pg = AgentXConfig.load(Map.of("AGENTX_STORE_SHARED", "true", "AGENTX_DATABASE_URL", "postgresql://u:p@h/db"), dir, null);
    assertThat(pg.storeDatabase().kind()).isEqualTo(DatabaseUrl.Kind.POSTGRESQL);
  }
}
