package agentx.tools.comfyui;

import agentx.tools.Tool;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The built-in ComfyUI tools, ready for the registry: catalogue (search_nodes, get_node_info,
 * list_models, get_system_stats), workflow (get_workflow, update_workflow, modify_node, add_node,
 * remove_node, connect_nodes, validate_workflow), execution (run_workflow, get_execution_status,
 * get_queue, cancel_execution) and files (get_output_images, upload_image, get_logs).
 */
public final class ComfyTools {
  private ComfyTools() {}

  public static List<Tool> create(ComfyUiClient client) {
    SessionWorkflows sessions = new SessionWorkflows();
    List<Tool> tools = new ArrayList<>();
    tools.addAll(new CatalogTools(client).tools());
    tools.addAll(new WorkflowTools(client, sessions).tools());
    tools.addAll(new EditTools(client, sessions).tools());
    tools.addAll(new RunTools(client).tools());
    tools.addAll(new OutputTools(client).tools());
    return Collections.unmodifiableList(tools);
  }
}
