package agentx.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("SystemPrompt")
class SystemPromptTest {

  @Test
  @DisplayName("teaches the inspect-validate-fix-run-look-explain loop with the real tool names")
  void teachesTheLoop() {
    String prompt = SystemPrompt.COMFYUI;

    assertThat(prompt).contains("get_workflow", "search_nodes", "get_node_info", "validate_workflow", "modify_node",
        "connect_nodes", "run_workflow", "get_output_images");
    assertThat(prompt.indexOf("get_workflow")).isLessThan(prompt.indexOf("validate_workflow"));
    assertThat(prompt.indexOf("validate_workflow")).isLessThan(prompt.indexOf("run_workflow"));
  }

  @Test
  @DisplayName("explains API format versus UI format and the usual failure causes")
  void explainsFormatsAndFailures() {
    assertThat(SystemPrompt.COMFYUI).contains("API format", "\"nodes\" and \"links\"", "Export (API)",
        "value_not_in_list", "return_type_mismatch", "IMPORT FAILED", "Out of memory", "18446744073709551615");
  }
}
