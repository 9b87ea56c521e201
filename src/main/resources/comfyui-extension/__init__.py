# AgentX for ComfyUI, written by `java -jar agentx.jar install-comfyui` (run it again to update).
# No Python nodes: ComfyUI serves ./web to the browser, and web/agentx.js loads the AgentX panel
# from the AgentX runtime, so upgrading the runtime upgrades the panel.
WEB_DIRECTORY = "./web"
NODE_CLASS_MAPPINGS = {}
NODE_DISPLAY_NAME_MAPPINGS = {}
__all__ = ["WEB_DIRECTORY", "NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
