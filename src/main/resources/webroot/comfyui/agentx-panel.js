// @ts-check
// The AgentX panel inside ComfyUI: a sidebar tab (id "agentx") with the sessions, the conversation
// streamed token by token, the turn's state, tool calls with their arguments, results and output
// media, Stop and the turn summary. Served by the runtime at /comfyui/agentx-panel.js and imported by
// the small loader that `java -jar agentx.jar install-comfyui` wrote into ComfyUI, which passes in
// ComfyUI's `app` and the two settings (runtime URL, API token).
//
// Wire: REST for sessions, messages and the workflow; the SockJS event-bus bridge (the official
// @vertx/eventbus-bridge-client.js) to follow the session's events (`agentx.events.<id>`, registered
// with headers {after: <seq>}: on opening a session, from its last turn's end, so only the turn in
// flight is replayed; after a dropped connection, from the last event applied) and to start and stop
// turns and answer approvals (`agentx.client.send`, `agentx.client.cancel`, `agentx.client.approve`).
//
// Human approval (tool_approval "ask"): an approval_required event shows a card with the tool's input
// (editable), a reason and Approve / Deny; the answer's state event (approved / denied / cancelled),
// from this panel or any other client, replaces the buttons with the outcome. The replay brings an
// unanswered card back after a reload; GET /approvals is asked as well.
//
// The canvas, both ways: before each message the canvas (app.graphToPrompt) is PUT as the session's
// workflow when it differs from the version the panel knows; a `workflow` event the agent caused is
// applied to the canvas in place (see applyToCanvas).

/**
 * @typedef {import('@comfyorg/comfyui-frontend-types').ComfyApp} ComfyApp
 * @typedef {{app: ComfyApp, runtimeUrl: () => string, apiToken: () => string}} Host
 * @typedef {import('../agentx-common.js').AgentEvent} AgentEvent
 * @typedef {import('../agentx-common.js').EventView} EventView
 * @typedef {import('../agentx-common.js').MediaFile} MediaFile
 * @typedef {Record<string, {class_type: string, inputs?: Record<string, any>, _meta?: {title?: string}}>} ApiWorkflow
 * @typedef {import('../agentx-common.js').ApprovalCard} ApprovalCard
 */

// What the chat page does the same way (applying events, state and summary texts, approval cards and
// their answers, tool calls and their output files, attached images, REST), served by the runtime
// beside this folder; the shared markup gets this page's class prefix.
import {
  applyEvent, approvalAnswer, approvalCard, approvalFailed, approvalSending, ATTACHMENT_TYPES, attachedImageUrls, attachmentProblem, el,
  fillToolCall, latestMessages, mediaElement, mediaUrl, messageContent, moreSessions, readBase64, requestJson, resumeAfter, sendFailure,
  settleApprovals, showApprovalError, stateText, summaryText, toolCallBox,
} from '../agentx-common.js';

/** The prefix of this page's class names and test ids in the markup it shares with the chat page. */
const P = 'agentx-';

/** Browser libraries the runtime serves (WebJars, and the bridge client the build fetched from npm). */
const VENDOR = {
  sockjs: 'webjars/sockjs-client/1.6.1/dist/sockjs.min.js',
  eventbus: 'vendor/eventbus-bridge-client/1.0.0/vertx-eventbus.js',
  marked: 'webjars/marked/17.0.1/lib/marked.esm.js',
  dompurify: 'webjars/dompurify/3.3.3/dist/purify.es.mjs',
};
/** The runtime's root, from where this module was loaded (so vendor files come from the same runtime). */
const RUNTIME = new URL('..', import.meta.url);
const API = new URL('api/agentx', RUNTIME).href;
const SESSION_KEY = 'agentx.panel.session';

/** @type {Host} */
let host;
/** @type {{marked: any, purify: any} | null} */
let markdown = null;

/**
 * Called by the loader once ComfyUI is set up: loads the browser libraries and registers the tab.
 * @param {Host} h
 */
export async function start(h) {
  host = h;
  const css = document.createElement('link');
  css.rel = 'stylesheet';
  css.href = new URL('agentx-panel.css', import.meta.url).href;
  document.head.append(css);
  await loadScript(new URL(VENDOR.sockjs, RUNTIME).href, 'SockJS');
  await loadScript(new URL(VENDOR.eventbus, RUNTIME).href, 'EventBus');
  markdown = await loadMarkdown();
  const panel = new Panel();
  host.app.extensionManager.registerSidebarTab({
    id: 'agentx',
    icon: 'pi pi-comments',
    title: 'AgentX',
    tooltip: 'AgentX: Claude for this workflow',
    label: 'AgentX',
    type: 'custom',
    render: (container) => panel.mount(container),
  });
  panel.start();
  return panel;
}

/**
 * A classic script (sockjs-client and the bridge client are UMD files that set a global).
 * @param {string} src
 * @param {string} global
 * @returns {Promise<void>}
 */
function loadScript(src, global) {
  if (/** @type {any} */ (window)[global]) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('cannot load ' + src));
    document.head.append(script);
  });
}

/** marked + DOMPurify as ES modules; without them answers show as plain text. */
async function loadMarkdown() {
  try {
    const [m, p] = await Promise.all([
      import(new URL(VENDOR.marked, RUNTIME).href),
      import(new URL(VENDOR.dompurify, RUNTIME).href),
    ]);
    return { marked: m.marked, purify: p.default };
  } catch (e) {
    console.warn('AgentX: markdown libraries unavailable, showing plain text', e);
    return null;
  }
}

/**
 * @param {HTMLElement} target
 * @param {string} text
 */
function renderMarkdown(target, text) {
  if (!markdown) {
    target.textContent = text;
    return;
  }
  const html = markdown.marked.parse(text, { async: false, gfm: true, breaks: true });
  target.innerHTML = markdown.purify.sanitize(html, { USE_PROFILES: { html: true } });
  for (const a of target.querySelectorAll('a')) {
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
  }
}

// --- REST -----------------------------------------------------------------------------------------

/**
 * @param {string} method
 * @param {string} path
 * @param {any} [body]
 */
async function api(method, path, body) {
  try {
    return await requestJson(API + path, method, body, host.apiToken());
  } catch (e) {
    const err = /** @type {Error & {status?: number}} */ (e);
    if (err.status === 401) err.message = 'The runtime needs an API token: set it in Settings → AgentX → API token.';
    throw err;
  }
}

// --- workflows: comparison, and applying the agent's edits to the canvas ---------------------------

/**
 * A workflow as a comparable string: node titles (_meta) left out, link ids as strings and slots as
 * numbers, keys sorted.
 * @param {ApiWorkflow | null | undefined} wf
 */
function canonical(wf) {
  if (!wf) return '';
  /** @type {Record<string, any>} */
  const out = {};
  for (const id of Object.keys(wf).sort()) {
    const node = wf[id];
    /** @type {Record<string, any>} */
    const inputs = {};
    for (const name of Object.keys(node.inputs || {}).sort()) inputs[name] = normalizeInput(node.inputs?.[name]);
    out[String(id)] = { class_type: node.class_type, inputs };
  }
  return JSON.stringify(out);
}

/** @param {any} value */
function isLink(value) {
  return Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number')
    && Number.isInteger(Number(value[1]));
}

/** @param {any} value */
function normalizeInput(value) {
  return isLink(value) ? [String(value[0]), Number(value[1])] : value;
}

/**
 * @param {any} a
 * @param {any} b
 */
function sameInput(a, b) {
  return JSON.stringify(normalizeInput(a)) === JSON.stringify(normalizeInput(b));
}

/**
 * What changed between the workflow the canvas shows and the one the agent made, node by node.
 * @param {ApiWorkflow} shown
 * @param {ApiWorkflow} next
 */
export function diffWorkflows(shown, next) {
  const added = Object.keys(next).filter((id) => !(id in shown));
  const removed = Object.keys(shown).filter((id) => !(id in next));
  const changed = Object.keys(next).filter((id) => id in shown && (shown[id].class_type !== next[id].class_type
    || canonical({ [id]: shown[id] }) !== canonical({ [id]: next[id] })));
  return { added, removed, changed, empty: !added.length && !removed.length && !changed.length };
}

const NEW_NODE_SIZE = [320, 130];
const GAP = 40;

/**
 * Positions for nodes the agent added (pure, so it can be reasoned about on its own):
 * - next to the node it connects to: right of its first upstream node already on the canvas (or
 *   placed before it: new nodes are taken in dependency order), else left of a node that consumes it,
 *   else right of everything;
 * - then moved down until it overlaps no node, so nothing the user placed is covered.
 * @param {{id: any, pos: any, size: any}[]} existing the canvas nodes (UI format)
 * @param {string[]} added API ids of the new nodes
 * @param {ApiWorkflow} next the agent's workflow
 * @returns {Map<string, [number, number]>}
 */
export function placeNewNodes(existing, added, next) {
  /** @type {Map<string, {x: number, y: number, w: number, h: number}>} */
  const boxes = new Map();
  for (const n of existing) {
    const size = n.size || NEW_NODE_SIZE;
    boxes.set(String(n.id), { x: Number(n.pos[0]), y: Number(n.pos[1]), w: Number(size[0]), h: Number(size[1]) });
  }
  const all = () => [...boxes.values()];
  const overlaps = (/** @type {{x: number, y: number, w: number, h: number}} */ a) => all().some((b) =>
    a.x < b.x + b.w + GAP / 2 && b.x < a.x + a.w + GAP / 2 && a.y < b.y + b.h + GAP / 2 && b.y < a.y + a.h + GAP / 2);
  const upstream = (/** @type {string} */ id) => Object.values(next[id].inputs || {}).filter(isLink).map((l) => String(l[0]));
  const pending = new Set(added);
  /** @type {Map<string, [number, number]>} */
  const placed = new Map();
  // dependency order: a node whose new sources are placed first (cycles fall back to list order)
  while (pending.size) {
    const ready = [...pending].find((id) => upstream(id).every((src) => !pending.has(src))) ?? [...pending][0];
    pending.delete(ready);
    const [w, h] = NEW_NODE_SIZE;
    const source = upstream(ready).map((src) => boxes.get(src)).find(Boolean);
    const consumerId = Object.keys(next).find((id) => boxes.has(id) && upstream(id).includes(ready));
    const consumer = consumerId ? boxes.get(consumerId) : undefined;
    let x;
    let y;
    if (source) {
      x = source.x + source.w + GAP;
      y = source.y;
    } else if (consumer) {
      x = consumer.x - w - GAP;
      y = consumer.y;
    } else {
      const boxesNow = all();
      x = boxesNow.length ? Math.max(...boxesNow.map((b) => b.x + b.w)) + GAP : 100;
      y = boxesNow.length ? Math.min(...boxesNow.map((b) => b.y)) : 100;
    }
    const box = { x, y, w, h };
    for (let i = 0; i < 100 && overlaps(box); i++) box.y += GAP;
    boxes.set(ready, box);
    placed.set(ready, [Math.round(box.x), Math.round(box.y)]);
  }
  return placed;
}

/**
 * Applies the agent's workflow to the canvas without reloading the page. Nodes the agent did not
 * touch are not touched here either (same position, size, colour, groups); removed nodes are removed
 * from the live graph; changed inputs are set on the live nodes (a widget value by its name, a link by
 * connecting the source's output to the input of that name); added nodes are appended to the current
 * UI workflow at the positions placeNewNodes chose and loaded with app.loadGraphData (the only
 * declared way to create a node of a given type), then get their inputs like changed nodes.
 * @param {ComfyApp} app
 * @param {ApiWorkflow} next
 * @returns {Promise<{added: string[], removed: string[], changed: string[], empty: boolean}>}
 */
export async function applyToCanvas(app, next) {
  const shown = /** @type {ApiWorkflow} */ ((await app.graphToPrompt()).output);
  const diff = diffWorkflows(shown, next);
  if (diff.empty) return diff;
  const uiId = (/** @type {string} */ id) => (/^\d+$/.test(id) ? Number(id) : id);

  for (const id of diff.removed) {
    const node = app.graph.getNodeById(uiId(id));
    if (node) app.graph.remove(node);
  }
  if (diff.added.length) {
    const ui = /** @type {any} */ ((await app.graphToPrompt()).workflow);
    const positions = placeNewNodes(ui.nodes || [], diff.added, next);
    for (const id of diff.added) {
      const spec = next[id];
      ui.nodes.push({
        id: uiId(id), type: spec.class_type, pos: positions.get(id), size: NEW_NODE_SIZE.slice(), flags: {},
        order: ui.nodes.length, mode: 0, properties: { 'Node name for S&R': spec.class_type },
        ...(spec._meta?.title ? { title: spec._meta.title } : {}),
      });
      if (/^\d+$/.test(id)) ui.last_node_id = Math.max(Number(ui.last_node_id || 0), Number(id));
    }
    await app.loadGraphData(ui, false, false, app.extensionManager.workflow.activeWorkflow);
    for (const id of diff.added) {
      const node = app.graph.getNodeById(uiId(id));
      if (node) node.setSize(node.computeSize());
    }
  }
  for (const id of [...diff.added, ...diff.changed]) {
    const node = app.graph.getNodeById(uiId(id));
    if (!node) continue;
    const before = shown[id]?.inputs || {};
    const after = next[id].inputs || {};
    for (const [name, value] of Object.entries(after)) {
      if (name in before && sameInput(before[name], value)) continue;
      const slot = node.findInputSlot(name);
      if (isLink(value)) {
        const source = app.graph.getNodeById(uiId(String(value[0])));
        if (source && slot >= 0) source.connect(Number(value[1]), node, slot);
      } else {
        if (slot >= 0 && isLink(before[name])) node.disconnectInput(slot);
        const widget = (node.widgets || []).find((w) => w.name === name);
        if (widget) /** @type {any} */ (widget).value = value;
      }
    }
    for (const [name, value] of Object.entries(before)) {
      const slot = node.findInputSlot(name);
      if (!(name in after) && isLink(value) && slot >= 0) node.disconnectInput(slot);
    }
  }
  app.graph.setDirtyCanvas(true, true);
  return diff;
}

// --- the panel ----------------------------------------------------------------------------------

class Panel {
  constructor() {
    this.root = el('div', { class: 'agentx-panel', 'data-testid': 'agentx-panel' });
    this.connection = el('span', { class: 'agentx-connection', 'data-testid': 'agentx-connection', text: 'offline' });
    this.error = el('p', { class: 'agentx-error', role: 'alert', 'data-testid': 'agentx-error' });
    this.error.hidden = true;
    this.sessionSelect = el('select', { 'aria-label': 'Session', 'data-testid': 'agentx-session-select' });
    this.newSession = el('button', { type: 'button', class: 'agentx-button', text: 'New session' });
    this.moreSessions = el('button', { type: 'button', class: 'agentx-button', 'data-testid': 'agentx-more-sessions', text: 'More' });
    this.moreSessions.hidden = true;
    this.title = el('h3', { class: 'agentx-title', 'data-testid': 'agentx-session-title', text: 'No session' });
    this.state = el('div', { class: 'agentx-state', role: 'status', 'aria-live': 'polite', 'data-testid': 'agentx-state', 'data-state': 'idle', text: 'idle' });
    this.progress = el('progress', { class: 'agentx-progress', 'aria-label': 'ComfyUI progress' });
    this.progress.hidden = true;
    this.conversation = el('ol', { class: 'agentx-conversation', 'data-testid': 'agentx-conversation', 'aria-label': 'Conversation' });
    this.draft = el('div', { class: 'agentx-msg agentx-assistant agentx-draft', 'data-testid': 'agentx-draft', 'aria-live': 'polite' });
    this.draft.hidden = true;
    this.summary = el('p', { class: 'agentx-summary', 'data-testid': 'agentx-summary', 'aria-live': 'polite' });
    const inputId = 'agentx-message-input';
    this.input = el('textarea', { id: inputId, rows: '3', placeholder: 'Ask about this workflow (Enter sends, Shift+Enter adds a line)' });
    this.send = el('button', { type: 'submit', class: 'agentx-button agentx-primary', text: 'Send' });
    this.stop = el('button', { type: 'button', class: 'agentx-button', text: 'Stop' });
    this.fileInput = el('input', { type: 'file', accept: ATTACHMENT_TYPES.join(','), multiple: '', 'data-testid': 'agentx-attach-input',
      'aria-label': 'Attach image' });
    this.fileInput.hidden = true;
    this.attach = el('button', { type: 'button', class: 'agentx-button agentx-attach', 'data-testid': 'agentx-attach', text: 'Attach image' });
    this.attachments = el('ul', { class: 'agentx-attachments', 'data-testid': 'agentx-attachments', 'aria-label': 'Attached images' });
    /** The images the next message carries, in order. @type {{name: string, mediaType: string, data: string, item: HTMLElement}[]} */
    this.attached = [];
    this.form = el('form', { class: 'agentx-composer' }, [
      el('label', { for: inputId, text: 'Message (paste or attach PNG, JPEG, GIF or WebP images, up to 5 MB each)' }), this.input,
      this.attachments,
      el('div', { class: 'agentx-actions' }, [this.fileInput, this.attach, this.send, this.stop]),
    ]);
    this.root.append(
      el('header', { class: 'agentx-head' }, [el('h2', { text: 'AgentX' }), this.connection]),
      this.error,
      el('div', { class: 'agentx-sessions' }, [this.sessionSelect, this.moreSessions, this.newSession]),
      this.title, this.state, this.progress, this.conversation, this.draft, this.summary, this.form);

    /** The selected session and what this panel has applied of it. */
    this.current = /** @type {null | {id: string, eb: any, lastSeq: number, messageIds: Set<string>, calls: Map<string, HTMLElement>,
      approvals: Map<string, ApprovalCard>, workflow: ApiWorkflow | null, workflowVersion: number, applyAfter: number, canvasQueue: Promise<any>,
      closed: boolean, retryMs: number, retryTimer?: any, view: EventView}} */ (null);
    this.setRunning(false);
    this.setEnabled(false);

    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.sendMessage().catch((err) => this.showError(err.message));
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.sendMessage().catch((err) => this.showError(err.message));
      }
    });
    this.stop.addEventListener('click', () => this.stopTurn());
    this.attach.addEventListener('click', () => this.fileInput.click());
    this.fileInput.addEventListener('change', () => {
      const files = [...(this.fileInput.files || [])];
      this.fileInput.value = '';
      this.addAttachments(files).catch((err) => this.showError(err.message));
    });
    this.input.addEventListener('paste', (e) => {
      const files = [...(e.clipboardData?.files || [])];
      if (!files.length) return; // plain text pastes as usual
      e.preventDefault();
      this.addAttachments(files).catch((err) => this.showError(err.message));
    });
    this.newSession.addEventListener('click', () => this.createSession().catch((err) => this.showError(err.message)));
    this.moreSessions.addEventListener('click', () => this.showMoreSessions().catch((err) => this.showError(err.message)));
    this.sessionSelect.addEventListener('change', () => this.select(this.sessionSelect.value).catch((err) => this.showError(err.message)));
  }

  /** ComfyUI renders the tab into a fresh container each time it is opened: the panel moves there, state intact. @param {HTMLElement} container */
  mount(container) {
    container.replaceChildren(this.root);
  }

  async start() {
    try {
      const sessions = await this.loadSessions();
      const wanted = localStorage.getItem(SESSION_KEY);
      if (wanted && !sessions.some((s) => s.session_id === wanted)) {
        // older than the list's first page: opened all the same, unless it was deleted meanwhile
        const opened = await this.select(wanted).then(() => true, () => false);
        if (opened) return;
      }
      const id = sessions.some((s) => s.session_id === wanted) ? wanted : sessions[0]?.session_id;
      if (id) await this.select(id);
    } catch (e) {
      this.showError(/** @type {Error} */ (e).message);
    }
  }

  /** @param {string} message */
  showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  /** @param {boolean} enabled */
  setEnabled(enabled) {
    this.input.disabled = !enabled;
    this.send.disabled = !enabled;
    this.attach.disabled = !enabled;
  }

  /**
   * Attaches the images among the files, each shown as a thumbnail with a remove button; a file of
   * another type, or over 5 MB, is refused with a sentence saying why.
   * @param {File[]} files
   */
  async addAttachments(files) {
    const refused = [];
    for (const file of files) {
      const problem = attachmentProblem(file, this.attached.length);
      if (problem) {
        refused.push(problem);
        continue;
      }
      const data = await readBase64(file);
      const remove = el('button', { type: 'button', class: 'agentx-attachment-remove', 'data-testid': 'agentx-attachment-remove',
        'aria-label': 'Remove ' + file.name, title: 'Remove ' + file.name, text: '×' });
      const img = el('img', { alt: file.name });
      img.src = `data:${file.type};base64,${data}`;
      const item = el('li', { class: 'agentx-attachment', 'data-testid': 'agentx-attachment' }, [img, remove]);
      const attachment = { name: file.name, mediaType: file.type, data, item };
      remove.addEventListener('click', () => {
        this.attached = this.attached.filter((a) => a !== attachment);
        item.remove();
        this.input.focus();
      });
      this.attached.push(attachment);
      this.attachments.append(item);
    }
    this.showError(refused.join(' '));
  }

  clearAttachments() {
    this.attached = [];
    this.attachments.replaceChildren();
  }

  /** @param {boolean} running */
  setRunning(running) {
    this.stop.disabled = !running;
  }

  /** The first page of the session list (most recently updated first), replacing the list once it has come. */
  loadSessions() {
    return this.listSessions(true);
  }

  /** The next page, appended ("More"). */
  showMoreSessions() {
    return this.listSessions(false);
  }

  /** @param {boolean} fromStart */
  async listSessions(fromStart) {
    const options = [...this.sessionSelect.options];
    const shown = fromStart ? [] : options.filter((o) => !o.dataset.opened).map((o) => o.value);
    const { sessions, remaining } = await moreSessions(api, shown, fromStart ? [] : options.map((o) => o.value));
    const added = sessions.map((/** @type {any} */ s) => el('option', { value: s.session_id, text: s.title || 'Untitled ' + s.session_id.slice(0, 8) }));
    if (fromStart) this.sessionSelect.replaceChildren(...added);
    else this.sessionSelect.append(...added);
    this.moreSessions.hidden = remaining === 0;
    this.moreSessions.title = `${remaining} older session${remaining === 1 ? '' : 's'}`;
    if (this.current) this.sessionSelect.value = this.current.id;
    return sessions;
  }

  async createSession() {
    const s = await api('POST', '/sessions', { title: 'ComfyUI ' + new Date().toLocaleString() });
    await this.loadSessions();
    await this.select(s.session_id);
    this.input.focus();
  }

  closeCurrent() {
    const s = this.current;
    if (!s) return;
    s.closed = true;
    clearTimeout(s.retryTimer);
    try { s.eb?.close(); } catch { /* already closed */ }
    this.current = null;
    this.connection.textContent = 'offline';
  }

  /** @param {string} id */
  async select(id) {
    this.closeCurrent();
    const s = { id, eb: null, lastSeq: 0, messageIds: new Set(), calls: new Map(), approvals: new Map(), workflow: null, workflowVersion: 0,
      applyAfter: 0, canvasQueue: Promise.resolve(), closed: false, retryMs: 500, view: /** @type {EventView} */ (/** @type {unknown} */ (null)) };
    s.view = this.eventView(s);
    this.current = s;
    localStorage.setItem(SESSION_KEY, id);
    this.sessionSelect.value = id;
    const [info, page, wf] = await Promise.all([
      api('GET', '/sessions/' + id),
      latestMessages(api, id),
      api('GET', '/sessions/' + id + '/workflow').catch((e) => (e.status === 404 ? null : Promise.reject(e))),
    ]);
    if (this.current !== s) return;
    this.title.textContent = info.title || 'Untitled ' + id.slice(0, 8);
    if (![...this.sessionSelect.options].some((o) => o.value === id)) {
      // a session from beyond the pages listed: on top, marked so the pages' offsets leave it out
      this.sessionSelect.prepend(el('option', { value: id, text: this.title.textContent, 'data-opened': 'true' }));
      this.sessionSelect.value = id;
    }
    this.conversation.replaceChildren();
    this.clearDraft();
    this.summary.textContent = '';
    delete this.summary.dataset.status;
    this.showState({ state: 'idle' });
    this.setRunning(info.state === 'processing');
    this.setEnabled(true);
    this.showError('');
    // Workflow versions up to this one are history (the canvas already shows what the user kept);
    // a later version the agent makes is applied to the canvas.
    s.workflow = wf ? wf.workflow : null;
    s.workflowVersion = wf ? wf.version : 0;
    s.applyAfter = s.workflowVersion;
    page.messages.forEach((/** @type {any} */ m) => this.renderMessage(m));
    // Follow the events from the last turn's end on: a turn in flight is replayed from its start.
    s.lastSeq = resumeAfter(page);
    this.connect(s);
    this.loadApprovals(s);
  }

  /** @param {NonNullable<Panel['current']>} s */
  connect(s) {
    const token = host.apiToken();
    const url = new URL('eventbus', RUNTIME).href + (token ? '?token=' + encodeURIComponent(token) : '');
    const EventBus = /** @type {any} */ (window).EventBus;
    const eb = new EventBus(url);
    s.eb = eb;
    this.connection.textContent = 'connecting…';
    eb.onopen = () => {
      if (s.closed) return eb.close();
      s.retryMs = 500;
      this.connection.textContent = 'live';
      // the log after the last event applied, then the live tail, each event once (seq order)
      eb.registerHandler('agentx.events.' + s.id, { after: s.lastSeq }, (/** @type {any} */ err, /** @type {any} */ msg) => {
        if (err) this.showError('Cannot follow the session: ' + (err.message || JSON.stringify(err)));
        else if (this.current === s) this.onEvent(s, msg.body);
      });
    };
    eb.onerror = (/** @type {any} */ err) => {
      this.showError('The runtime refused a request' + (err && err.body ? ': ' + JSON.stringify(err.body) : '')
        + (host.apiToken() ? '' : ' (does it need an API token? Settings → AgentX)'));
    };
    eb.onclose = () => {
      if (s.closed || this.current !== s) return;
      // the bridge client does not restore registrations: a new connection resumes after lastSeq
      this.connection.textContent = 'reconnecting…';
      s.retryTimer = setTimeout(() => this.connect(s), s.retryMs);
      s.retryMs = Math.min(s.retryMs * 2, 5000);
    };
  }

  /**
   * What each kind of the session's events does to this panel (agentx-common.js applies them).
   * @param {NonNullable<Panel['current']>} s
   * @returns {EventView}
   */
  eventView(s) {
    return {
      appendDraft: (text) => this.appendDraft(text),
      clearDraft: () => this.clearDraft(),
      keepPartialDraft: () => this.keepPartialDraft(),
      showState: (d) => this.showState(d),
      setRunning: (running) => this.setRunning(running),
      showApproval: (turnId, d) => this.showApproval(s, turnId, d),
      settleApprovals: (turnId, d) => settleApprovals(P, s.approvals, turnId, d),
      renderMessage: (m) => this.renderMessage(m),
      showSummary: (t) => this.showSummary(t),
      showWorkflow: (d) => this.onWorkflow(s, d),
    };
  }

  /**
   * @param {NonNullable<Panel['current']>} s
   * @param {AgentEvent} e
   */
  onEvent(s, e) {
    applyEvent(s.view, s, e);
  }

  /**
   * @param {NonNullable<Panel['current']>} s
   * @param {{version: number, workflow: ApiWorkflow, source: string, tool_call_id?: string}} d
   */
  onWorkflow(s, d) {
    if (d.version > s.workflowVersion) {
      s.workflowVersion = d.version;
      s.workflow = d.workflow;
    }
    // The panel's own PUT comes back as source "user": the canvas already shows it.
    if (d.version <= s.applyAfter || d.source === 'user') return;
    s.applyAfter = d.version;
    s.canvasQueue = s.canvasQueue
      .then(() => applyToCanvas(host.app, d.workflow))
      .then((diff) => {
        if (!diff.empty) this.note(`Canvas updated to workflow version ${d.version}: ${describeDiff(diff)}.`);
      })
      .catch((err) => this.showError('Could not apply the agent\'s workflow to the canvas: ' + err.message));
  }

  /** The canvas becomes the session's workflow before Claude sees the message (when it changed). */
  async syncCanvas() {
    const s = this.current;
    if (!s) return;
    await s.canvasQueue; // an agent edit still being applied is part of what the user sees
    const { output } = await host.app.graphToPrompt();
    const workflow = /** @type {ApiWorkflow} */ (output);
    if (!workflow || Object.keys(workflow).length === 0 || canonical(workflow) === canonical(s.workflow)) return;
    const saved = await api('PUT', '/sessions/' + s.id + '/workflow', { workflow, description: 'ComfyUI canvas' });
    if (typeof saved?.version === 'number' && saved.version > s.workflowVersion) {
      s.workflowVersion = saved.version;
      s.applyAfter = Math.max(s.applyAfter, saved.version);
    }
    s.workflow = workflow;
  }

  async sendMessage() {
    const s = this.current;
    const content = this.input.value.trim();
    const images = this.attached.slice();
    if (!s || (!content && !images.length)) return;
    if (!s.eb || s.eb.state !== 1 /* EventBus.OPEN */) {
      this.showError('Not connected to the runtime yet; try again in a moment.');
      return;
    }
    this.showError('');
    this.send.disabled = true;
    try {
      await this.syncCanvas();
      if (images.length) {
        // Images go as a REST request (wait: false; the events still come over the bridge): the
        // bridge's socket takes at most AGENTX_MAX_WS_MESSAGE_BYTES (256 KB) and drops a bigger
        // message without an answer, while POST /messages takes AGENTX_MAX_BODY_BYTES and answers 413.
        await api('POST', '/sessions/' + s.id + '/messages', { content: messageContent(content, images), wait: false })
          .catch((/** @type {Error & {status?: number}} */ err) => Promise.reject(new Error(sendFailure(err.status, err.message))));
        this.input.value = '';
        this.clearAttachments();
        this.setRunning(true);
        return;
      }
      await new Promise((resolve, reject) => {
        s.eb.send('agentx.client.send', { session_id: s.id, content }, {}, (/** @type {any} */ err, /** @type {any} */ reply) => {
          if (err) return reject(new Error(err.message || 'the runtime did not accept the message'));
          if (reply.body && reply.body.error) return reject(new Error(reply.body.error));
          resolve(reply.body);
        });
      });
      this.input.value = '';
      this.setRunning(true);
    } finally {
      this.send.disabled = false;
    }
  }

  stopTurn() {
    const s = this.current;
    if (!s || !s.eb) return;
    s.eb.send('agentx.client.cancel', { session_id: s.id }, {}, (/** @type {any} */ err, /** @type {any} */ reply) => {
      if (err) this.showError('Stop failed: ' + (err.message || JSON.stringify(err)));
      else if (reply.body && reply.body.error) this.showError(reply.body.error);
    });
  }

  // --- approvals --------------------------------------------------------------------------------

  /**
   * Pending approvals from the store, in case the replay did not bring them (the events are the first source).
   * @param {NonNullable<Panel['current']>} s
   */
  async loadApprovals(s) {
    try {
      const page = await api('GET', '/sessions/' + s.id + '/approvals');
      if (this.current === s) page.approvals.forEach((/** @type {any} */ a) => this.showApproval(s, a.turn_id, a));
    } catch {
      // the replay shows them as well
    }
  }

  /**
   * A card for one approval_required: tool name, editable input, reason, Approve / Deny. The input is
   * untrusted: it goes in as text only.
   * @param {NonNullable<Panel['current']>} s
   * @param {string} turnId
   * @param {any} d {tool_call_id, tool_name, input, expires_at}
   */
  showApproval(s, turnId, d) {
    const a = approvalCard(P, s.approvals, turnId, d, (card, decision) => this.answerApproval(s, card, decision));
    if (!a) return;
    this.conversation.append(a.card);
    this.scrollDown();
  }

  /**
   * Sends the answer over the bridge (agentx.client.approve), like messages and Stop.
   * @param {NonNullable<Panel['current']>} s
   * @param {ApprovalCard} a
   * @param {'approve' | 'deny'} decision
   */
  answerApproval(s, a, decision) {
    if (a.settled || a.sending) return;
    const built = approvalAnswer(a.callId, decision, { text: a.input.value, originalText: a.originalText, original: a.original, reason: a.reason.value });
    if ('error' in built) {
      showApprovalError(a, built.error);
      return;
    }
    if (!s.eb || s.eb.state !== 1 /* EventBus.OPEN */) {
      showApprovalError(a, 'Not connected to the runtime yet; try again in a moment.');
      return;
    }
    approvalSending(a);
    s.eb.send('agentx.client.approve', { session_id: s.id, ...built.answer }, {}, (/** @type {any} */ err, /** @type {any} */ reply) => {
      const failure = err ? err.message || JSON.stringify(err) : reply.body && reply.body.error;
      if (failure) approvalFailed(a, failure);
      else a.sending = false; // the state event that follows settles the card
    });
  }

  // --- rendering --------------------------------------------------------------------------------

  /** @param {string} text */
  appendDraft(text) {
    this.draft.hidden = false;
    this.draft.append(text);
    this.scrollDown();
  }

  clearDraft() {
    this.draft.replaceChildren();
    this.draft.hidden = true;
  }

  /** A turn that ended without a final message (cancelled, failed) keeps what was streamed. */
  keepPartialDraft() {
    const text = this.draft.textContent || '';
    this.clearDraft();
    if (text) {
      const li = this.messageItem('assistant', text);
      li.classList.add('agentx-partial');
      this.conversation.append(li);
    }
  }

  /** @param {string} text */
  note(text) {
    this.conversation.append(el('li', { class: 'agentx-note', 'data-testid': 'agentx-note', text }));
    this.scrollDown();
  }

  scrollDown() {
    this.conversation.scrollTop = this.conversation.scrollHeight;
  }

  /**
   * @param {string} role
   * @param {string} text
   */
  messageItem(role, text) {
    const body = el('div', { class: 'agentx-text' });
    if (role === 'assistant') renderMarkdown(body, text);
    else body.textContent = text;
    if (!text) body.hidden = true;
    return el('li', { class: 'agentx-msg agentx-' + role, 'data-testid': 'agentx-message', 'data-role': role }, [
      el('span', { class: 'agentx-who', text: role === 'user' ? 'You' : role === 'assistant' ? 'Claude' : 'Tool' }), body]);
  }

  /** @param {any} m */
  renderMessage(m) {
    const s = this.current;
    if (!s || s.messageIds.has(m.message_id)) return;
    s.messageIds.add(m.message_id);
    /** @type {any[]} */
    const calls = m.tool_calls || [];
    if (m.role === 'user' && !m.content && calls.length) {
      calls.forEach((c) => this.showToolResult(c)); // a tool-results message completes the calls above
      return;
    }
    const li = this.messageItem(m.role, typeof m.content === 'string' ? m.content : '');
    const images = m.role === 'user' ? attachedImageUrls(m.blocks) : [];
    if (images.length) {
      li.append(el('div', { class: 'agentx-attached' }, images.map((src, i) => {
        const img = el('img', { alt: 'Attached image ' + (i + 1), 'data-testid': 'agentx-attached-image' });
        img.src = src;
        return img;
      })));
    }
    calls.forEach((c) => li.append(this.toolCallItem(c)));
    this.conversation.append(li);
    this.scrollDown();
  }

  /** @param {any} call */
  toolCallItem(call) {
    const s = /** @type {NonNullable<Panel['current']>} */ (this.current);
    const box = toolCallBox(P, call, (f) => this.mediaElement(f));
    if (call.id) s.calls.set(call.id, box);
    return box;
  }

  /** @param {any} call */
  showToolResult(call) {
    const s = /** @type {NonNullable<Panel['current']>} */ (this.current);
    const box = s.calls.get(call.id);
    if (!box) {
      const li = this.messageItem('tool', '');
      li.append(this.toolCallItem(call));
      this.conversation.append(li);
      this.scrollDown();
    } else if (fillToolCall(P, box, call, (f) => this.mediaElement(f))) {
      this.scrollDown();
    }
  }

  /** @param {MediaFile} f */
  mediaElement(f) {
    const s = /** @type {NonNullable<Panel['current']>} */ (this.current);
    return mediaElement(P, mediaUrl(API, s.id, f), f, host.apiToken());
  }

  /** @param {any} d */
  showState(d) {
    const { text, progress } = stateText(d);
    this.progress.hidden = !progress;
    if (progress) {
      this.progress.max = progress.max;
      this.progress.value = progress.value;
    }
    this.state.textContent = text;
    this.state.dataset.state = d.state;
  }

  /** @param {any} t */
  showSummary(t) {
    this.summary.textContent = summaryText(t);
    this.summary.dataset.status = t.status || 'completed';
  }
}

/** @param {{added: string[], removed: string[], changed: string[]}} diff */
function describeDiff(diff) {
  const parts = [];
  if (diff.added.length) parts.push('added node ' + diff.added.join(', '));
  if (diff.changed.length) parts.push('changed node ' + diff.changed.join(', '));
  if (diff.removed.length) parts.push('removed node ' + diff.removed.join(', '));
  return parts.join('; ');
}
