// AgentX for ComfyUI, written by `java -jar agentx.jar install-comfyui` (run it again to update).
//
// A small loader, on purpose: it registers the two settings (runtime URL and API token, kept by
// ComfyUI with its other settings) and imports the panel that the AgentX runtime serves at
// <runtime URL>/comfyui/agentx-panel.js, so a new runtime jar brings a new panel without a reinstall.
import { app } from "../../scripts/app.js";

/** The runtime URL given to install-comfyui (--url); the setting below wins once the user edits it. */
const DEFAULT_URL = /* --url */ "http://127.0.0.1:8000";
const URL_SETTING = "AgentX.RuntimeUrl";
const TOKEN_SETTING = "AgentX.ApiToken";

/**
 * ComfyUI's own settings are typed as a closed list of ids; an extension's setting ids are its own,
 * which the frontend accepts at run time (it registers whatever id an extension declares).
 * @param {string} id
 * @returns {any}
 */
const settingId = (id) => id;

/** @returns {string} */
function runtimeUrl() {
  const value = app.extensionManager.setting.get(URL_SETTING);
  const url = typeof value === "string" && value.trim() ? value.trim() : DEFAULT_URL;
  return url.replace(/\/+$/, "");
}

/** @returns {string} */
function apiToken() {
  const value = app.extensionManager.setting.get(TOKEN_SETTING);
  return typeof value === "string" ? value.trim() : "";
}

app.registerExtension({
  name: "AgentX",
  settings: [
    {
      id: settingId(URL_SETTING),
      category: ["AgentX", "Connection", "Runtime URL"],
      name: "AgentX runtime URL",
      tooltip: "Where `java -jar agentx.jar` listens. Reload the page after changing it.",
      type: "text",
      defaultValue: DEFAULT_URL,
    },
    {
      id: settingId(TOKEN_SETTING),
      category: ["AgentX", "Connection", "API token"],
      name: "AgentX API token",
      tooltip: "The runtime's AGENTX_API_TOKEN; leave empty when the runtime has none.",
      type: "text",
      attrs: { type: "password", autocomplete: "off" },
      defaultValue: "",
    },
  ],
  async setup() {
    const base = runtimeUrl();
    try {
      const panel = await import(`${base}/comfyui/agentx-panel.js`);
      await panel.start({ app, runtimeUrl, apiToken });
    } catch (error) {
      // The runtime is not running (or the URL is wrong): still show the tab, with what to do.
      console.error("AgentX: cannot load the panel from", base, error);
      app.extensionManager.registerSidebarTab({
        id: "agentx",
        icon: "pi pi-comments",
        title: "AgentX",
        tooltip: "AgentX (not connected)",
        type: "custom",
        render(container) {
          const p = document.createElement("p");
          p.setAttribute("role", "alert");
          p.style.padding = "1em";
          p.textContent = `AgentX could not load its panel from ${base} (${error}). Start the runtime`
            + " with `java -jar agentx.jar`, or fix the URL in Settings → AgentX, then reload the page.";
          container.replaceChildren(p);
        },
      });
    }
  },
});
