// A stand-in for ComfyUI's frontend, for the browser tests: the real one cannot be downloaded here.
// It hosts extensions the way ComfyUI does — /api/extensions lists the custom nodes' web files, each
// is imported as an ES module that imports { app } from "/scripts/app.js"; the extensions'
// settings are registered and remembered (here in localStorage); init() runs before the graph is
// configured and setup() after. The graph is the real @comfyorg/litegraph with node types built
// from /object_info (a widget per widget input, like ComfyUI), and graphToPrompt / loadGraphData
// behave like ComfyUI's for what the AgentX panel uses. Only the parts of ComfyApp the panel and
// its loader touch exist here; their signatures follow @comfyorg/comfyui-frontend-types.
import { LGraph, LGraphCanvas, LGraphNode, LiteGraph } from '/litegraph/litegraph.es.js';

const WIDGET_TYPES = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO']);
const SEED_NAMES = new Set(['seed', 'noise_seed']);
const SETTINGS_KEY = 'Comfy.Settings';

function inputType(spec) {
  return Array.isArray(spec[0]) ? 'COMBO' : spec[0];
}

/** A LiteGraph node class for one /object_info entry. */
function nodeClass(name, def) {
  return class extends LGraphNode {
    static comfyClass = name;
    static title = def.display_name || name;
    constructor(title) {
      super(title || def.display_name || name);
      this.comfyClass = name;
      this.serialize_widgets = true;
      const sections = [['required', def.input?.required || {}], ['optional', def.input?.optional || {}]];
      for (const [section, inputs] of sections) {
        const order = def.input_order?.[section] || Object.keys(inputs);
        for (const inputName of order) {
          const spec = inputs[inputName];
          if (!spec) continue;
          const type = inputType(spec);
          const options = spec[1] || {};
          if (WIDGET_TYPES.has(type) && !options.forceInput) {
            this.addComfyWidget(inputName, type, spec, options);
            this.addInput(inputName, type, { widget: { name: inputName } });
          } else {
            this.addInput(inputName, type);
          }
        }
      }
      (def.output || []).forEach((type, i) => this.addOutput(def.output_name?.[i] || type, type));
      this.size = this.computeSize();
    }

    /**
     * Saved files list only some inputs (older ones only the linked ones); like ComfyUI, match them to
     * this node's inputs by name, so a link lands on the input it was made for.
     */
    configure(info) {
      if (Array.isArray(info.inputs)) {
        const saved = new Map(info.inputs.map((i) => [i.name, i]));
        info = { ...info, inputs: this.inputs.map((own) => ({ name: own.name, type: own.type, widget: own.widget,
          link: saved.get(own.name)?.link ?? null })) };
      }
      super.configure(info);
    }

    addComfyWidget(inputName, type, spec, options) {
      if (type === 'COMBO') {
        const values = Array.isArray(spec[0]) ? spec[0] : options.options || [];
        this.addWidget('combo', inputName, options.default ?? values[0], null, { values });
      } else if (type === 'INT' || type === 'FLOAT') {
        this.addWidget('number', inputName, options.default ?? 0, null, { min: options.min, max: options.max, step2: options.step ?? 1, precision: type === 'INT' ? 0 : 2 });
        if (type === 'INT' && (options.control_after_generate ?? SEED_NAMES.has(inputName))) {
          const control = this.addWidget('combo', 'control_after_generate', 'randomize', null, { values: ['fixed', 'increment', 'decrement', 'randomize'] });
          control.frontendOnly = true; // saved in widgets_values, never sent in a prompt
        }
      } else if (type === 'BOOLEAN') {
        this.addWidget('toggle', inputName, options.default ?? false, null, {});
      } else {
        this.addWidget('text', inputName, options.default ?? '', null, { multiline: !!options.multiline });
      }
    }
  };
}

class TestComfyApp {
  constructor() {
    this.extensions = [];
    this.settingDefs = new Map();
    this.settingValues = JSON.parse(localStorage.getItem(SETTINGS_KEY) || '{}');
    this.sidebarTabs = new Map();
    const app = this;
    this.extensionManager = {
      registerSidebarTab: (tab) => app.registerSidebarTab(tab),
      unregisterSidebarTab: (id) => app.sidebarTabs.delete(id),
      getSidebarTabs: () => [...app.sidebarTabs.values()],
      setting: {
        get: (id) => (id in app.settingValues ? app.settingValues[id] : app.settingDefs.get(id)?.defaultValue),
        set: (id, value) => {
          const old = app.extensionManager.setting.get(id);
          app.settingValues[id] = value;
          localStorage.setItem(SETTINGS_KEY, JSON.stringify(app.settingValues));
          app.settingDefs.get(id)?.onChange?.(value, old);
        },
      },
      workflow: { activeWorkflow: null },
      toast: { add: (t) => console.log('toast', t) },
    };
  }

  registerExtension(extension) {
    this.extensions.push(extension);
    for (const s of extension.settings || []) this.settingDefs.set(s.id, s);
  }

  registerSidebarTab(tab) {
    this.sidebarTabs.set(tab.id, tab);
    const bar = document.querySelector('.side-tool-bar');
    const button = document.createElement('button');
    button.className = `side-bar-button ${tab.id}-tab-button`;
    button.setAttribute('aria-label', tab.title);
    button.setAttribute('aria-pressed', 'false');
    button.title = tab.tooltip || tab.title;
    button.textContent = tab.label || tab.title;
    button.addEventListener('click', () => this.toggleSidebarTab(tab.id));
    bar.append(button);
  }

  /** Like ComfyUI: a fresh container each time a tab opens; destroy() when it closes. */
  toggleSidebarTab(id) {
    const content = document.querySelector('.sidebar-content');
    const open = content.dataset.tab === id && !content.hidden;
    if (content.dataset.tab) this.sidebarTabs.get(content.dataset.tab)?.destroy?.();
    for (const b of document.querySelectorAll('.side-bar-button')) b.setAttribute('aria-pressed', 'false');
    content.replaceChildren();
    if (open) {
      content.hidden = true;
      delete content.dataset.tab;
      return;
    }
    const container = document.createElement('div');
    container.style.height = '100%';
    content.append(container);
    content.hidden = false;
    content.dataset.tab = id;
    document.querySelector(`.${id}-tab-button`).setAttribute('aria-pressed', 'true');
    this.sidebarTabs.get(id).render(container);
    this.resizeCanvas();
  }

  showSettings() {
    const list = document.querySelector('#settings-dialog .settings-list');
    list.replaceChildren(...[...this.settingDefs.values()].map((s) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.type = s.attrs?.type === 'password' ? 'password' : 'text';
      input.value = this.extensionManager.setting.get(s.id) ?? '';
      input.dataset.settingId = s.id;
      input.addEventListener('change', () => this.extensionManager.setting.set(s.id, input.value));
      label.append(s.name + ' ', input);
      return label;
    }));
    document.querySelector('#settings-dialog').showModal();
  }

  get graph() {
    return this.rootGraph;
  }

  async start() {
    const [objectInfo, extensionUrls] = await Promise.all([
      fetch('/api/object_info').then((r) => r.json()),
      fetch('/api/extensions').then((r) => r.json()),
    ]);
    const settingsButton = document.createElement('button');
    settingsButton.className = 'side-bar-button settings-button';
    settingsButton.setAttribute('aria-label', 'Settings');
    settingsButton.textContent = 'Settings';
    settingsButton.addEventListener('click', () => this.showSettings());
    document.querySelector('.side-tool-bar').append(settingsButton);
    await Promise.all(extensionUrls.map((url) => import(url)));
    for (const ext of this.extensions) await ext.init?.(this);
    for (const [name, def] of Object.entries(objectInfo)) LiteGraph.registerNodeType(name, nodeClass(name, def));
    this.rootGraph = new LGraph();
    this.canvasEl = document.getElementById('graph-canvas');
    this.canvas = new LGraphCanvas(this.canvasEl, this.rootGraph);
    this.resizeCanvas();
    window.addEventListener('resize', () => this.resizeCanvas());
    const saved = localStorage.getItem('workflow');
    const initial = saved ? JSON.parse(saved) : await fetch('/test/default_workflow_ui.json').then((r) => r.json());
    await this.loadGraphData(initial);
    // like ComfyUI, the canvas survives a reload of the page
    setInterval(() => localStorage.setItem('workflow', JSON.stringify(this.rootGraph.serialize())), 500);
    for (const ext of this.extensions) await ext.setup?.(this);
    document.body.dataset.ready = 'true';
  }

  resizeCanvas() {
    if (!this.canvasEl) return;
    const box = this.canvasEl.parentElement.getBoundingClientRect();
    this.canvasEl.width = Math.max(100, box.width);
    this.canvasEl.height = Math.max(100, box.height);
    this.canvas?.setDirty(true, true);
  }

  async loadGraphData(graphData, clean = true, restoreView = true, workflow = null, options = {}) {
    this.rootGraph.configure(structuredClone(graphData));
    this.canvas.setDirty(true, true);
  }

  /** ComfyUI's {workflow (UI format), output (API format)}: widget values by name, links as [id, slot]. */
  async graphToPrompt(graph = this.rootGraph) {
    const workflow = graph.serialize();
    const output = {};
    for (const node of graph.computeExecutionOrder(false)) {
      if (node.mode !== LiteGraph.ALWAYS) continue;
      const inputs = {};
      for (const w of node.widgets || []) if (!w.frontendOnly) inputs[w.name] = w.value;
      (node.inputs || []).forEach((input, slot) => {
        const link = node.getInputLink(slot);
        if (link) inputs[input.name] = [String(link.origin_id), link.origin_slot];
      });
      output[String(node.id)] = { inputs, class_type: node.comfyClass || node.type, _meta: { title: node.title } };
    }
    return { workflow, output };
  }
}

export const app = new TestComfyApp();
window.app = app; // for the test script
