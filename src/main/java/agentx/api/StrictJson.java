package agentx.api;

import agentx.events.AgentXException;
import agentx.events.ErrorCode;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * JSON as RFC 8259 defines it, for what clients send: Vert.x's own codec accepts comments and other
 * leniencies, and bytes that are not valid UTF-8 (overlong forms included) would be read as
 * something else. Both are refused here with INVALID_JSON.
 */
final class StrictJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(JsonReadFeature.ALLOW_JAVA_COMMENTS, JsonReadFeature.ALLOW_YAML_COMMENTS, JsonReadFeature.ALLOW_SINGLE_QUOTES,
          JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES, JsonReadFeature.ALLOW_TRAILING_COMMA, JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS,
          JsonReadFeature.ALLOW_LEADING_ZEROS_FOR_NUMBERS, JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      // one value per body: '{"a":1}{"b":2}' or '{"a":1} garbage' is not JSON
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private StrictJson() {}

  /** {@code bytes} as a JSON object; {@code what} names it in the error ("The request body"). */
  static JsonObject object(byte[] bytes, String what) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new AgentXException(ErrorCode.INVALID_JSON, what + " is not valid UTF-8.");
    }
    return object(text, what);
  }

  static JsonObject object(String text, String what) {
    Object parsed;
    try {
      parsed = MAPPER.readValue(text, Object.class);
    } catch (Exception e) {
      throw new AgentXException(ErrorCode.INVALID_JSON, what + " is not valid JSON.");
    }
    if (!(parsed instanceof Map<?, ?> map)) {
      throw new AgentXException(ErrorCode.VALIDATION_FAILED, what + " must be a JSON object.");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> fields = (Map<String, Object>) map;
    return new JsonObject(fields);
  }
}
