/**
 * The built-in ComfyUI tools.
 *
 * <ul>
 *   <li>{@link agentx.tools.comfyui.ComfyUiClient}: ComfyUI's HTTP and {@code /ws} API on the Vert.x WebClient,
 *       every call bounded by one timeout and failing with a {@link agentx.tools.comfyui.ComfyUiException} whose
 *       message names ComfyUI and its URL.</li>
 *   <li>{@link agentx.tools.comfyui.WorkflowValidator}: an offline copy of ComfyUI's prompt validation, answering
 *       ComfyUI's own error vocabulary plus one-line fixes.</li>
 *   <li>{@link agentx.tools.comfyui.ComfyTools}: the tool list (catalogue, workflow edits, execution, files), each
 *       tool a small {@code FunctionTool}; failures are {@code ToolResult.error}, never exceptions.</li>
 * </ul>
 *
 * <p>Decisions: workflow edits of one session are applied one at a time (parallel tool calls would otherwise
 * overwrite each other); {@code remove_node} disconnects inputs that pointed at the removed node and reports them;
 * {@code run_workflow} refuses a workflow that any output node would fail on, although ComfyUI would still run
 * the valid outputs; {@code update_workflow} and {@code get_workflow} work while ComfyUI is down.
 */
package agentx.tools.comfyui;
