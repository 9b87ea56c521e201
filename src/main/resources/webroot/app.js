// AgentX chat page: plain JS, no build step. REST for sessions, messages and the workflow; the
// session's WebSocket (/api/agentx/sessions/{id}/stream?after=N) for live events and for sending.
//
// Resuming without loss or duplicates: the page renders the session's latest stored messages (REST),
// then opens the socket after the session's last turn's end (the page's last_turn_seq, read before
// the messages), so only the turn in flight is replayed, from its start, however long the session.
// Events are applied once each (dedupe by seq), messages once each (dedupe by message_id); stream
// tokens build a draft that the final message replaces.
//
// Human approval (tool_approval "ask"): an approval_required event shows a card with the tool's input
// (editable) and Approve / Deny, answered with the socket's {"type":"approval"} frame; the answer's
// state event (approved / denied / cancelled), from this tab or any other client, settles the card.
// The replay brings back an unanswered approval_required after a reload; GET /approvals is asked too.
//
// Attached images (the Attach button, or pasted into the message box) go with the message as content
// blocks, text first; such a message is sent with POST /messages (wait: false), not over the socket:
// the socket takes at most AGENTX_MAX_WS_MESSAGE_BYTES (256 KB) and closes on a bigger message, while
// the request takes AGENTX_MAX_BODY_BYTES (1 MiB) and answers a bigger one with 413.
//
// A module: what this page does the same way as the ComfyUI panel (applying events, the state and
// summary lines, approval answers, attached images, output files, REST) is in agentx-common.js.
import {
  applyEvent, approvalAnswer, approvalOutcome, ATTACHMENT_TYPES, attachedImageUrls, attachmentProblem, latestMessages, mediaFiles, mediaKind,
  mediaUrl, messageContent, moreSessions, readBase64, requestJson, resumeAfter, sendFailure, stateText, summaryText,
} from './agentx-common.js';

const API = '/api/agentx';
const TOKEN_KEY = 'agentx.token';

const $ = (id) => document.getElementById(id);
const ui = {
  connection: $('connection'), error: $('error'),
  tokenForm: $('token-form'), tokenInput: $('token-input'),
  newSessionForm: $('new-session-form'), newSessionTitle: $('new-session-title'), sessionList: $('session-list'), moreSessions: $('more-sessions'),
  title: $('session-title'), state: $('state'), conversation: $('conversation'), draft: $('draft'),
  summary: $('turn-summary'), composer: $('composer'), input: $('message-input'), send: $('send'), stop: $('stop'),
  attach: $('attach'), attachInput: $('attach-input'), attachments: $('attachments'), workflow: $('workflow'),
};
/** The images the next message carries: {name, mediaType, data (base64), item}. */
let attached = [];

/** The selected session: its socket and what this page has already applied. */
let current = null;

// --- REST -----------------------------------------------------------------------------------

const token = () => sessionStorage.getItem(TOKEN_KEY);

async function api(method, path, body) {
  try {
    return await requestJson(API + path, method, body, token());
  } catch (e) {
    if (e.status === 401) askForToken();
    throw e;
  }
}

function showError(message) {
  ui.error.textContent = message;
  ui.error.hidden = !message;
}

function askForToken() {
  ui.tokenForm.hidden = false;
  ui.tokenInput.focus();
}

// --- sessions -------------------------------------------------------------------------------

/** The first page of the session list (most recently updated first), replacing the list once it has come. */
function loadSessions() {
  return listSessions(true);
}

/** The next page, appended ("More sessions"). */
function showMoreSessions() {
  return listSessions(false);
}

async function listSessions(fromStart) {
  const shown = fromStart ? [] : [...ui.sessionList.children].map((li) => li.dataset.sessionId);
  const { sessions, remaining } = await moreSessions(api, shown);
  const items = sessions.map(sessionItem);
  if (fromStart) ui.sessionList.replaceChildren(...items);
  else ui.sessionList.append(...items);
  ui.moreSessions.hidden = remaining === 0;
  ui.moreSessions.textContent = `More sessions (${remaining})`;
  return sessions;
}

function sessionItem(s) {
  const li = document.createElement('li');
  li.dataset.testid = 'session-item';
  li.dataset.sessionId = s.session_id;
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'session-open';
  open.textContent = s.title || 'Untitled ' + s.session_id.slice(0, 8);
  open.addEventListener('click', () => select(s.session_id).catch((e) => showError(e.message)));
  if (current && current.id === s.session_id) open.setAttribute('aria-current', 'true');
  const del = document.createElement('button');
  del.type = 'button';
  del.className = 'session-delete';
  del.dataset.testid = 'session-delete';
  del.textContent = 'Delete';
  del.setAttribute('aria-label', 'Delete session ' + open.textContent);
  del.addEventListener('click', () => removeSession(s.session_id).catch((e) => showError(e.message)));
  li.append(open, del);
  return li;
}

async function createSession(title) {
  const s = await api('POST', '/sessions', title ? { title } : {});
  await loadSessions();
  await select(s.session_id);
  ui.input.focus();
}

async function removeSession(id) {
  if (!confirm('Delete this session and all its messages?')) return;
  await api('DELETE', '/sessions/' + id);
  if (current && current.id === id) {
    closeCurrent();
    history.replaceState(null, '', location.pathname);
    resetView('No session selected');
  }
  await loadSessions();
}

// --- one session: history, socket, events -------------------------------------------------

function resetView(title) {
  ui.title.textContent = title;
  ui.conversation.replaceChildren();
  clearDraft();
  ui.summary.textContent = '';
  delete ui.summary.dataset.status;
  showState({ state: 'idle' });
  setRunning(false);
  ui.input.disabled = ui.send.disabled = ui.attach.disabled = !current;
  ui.workflow.textContent = current ? 'Loading…' : 'No session selected.';
}

function closeCurrent() {
  if (!current) return;
  current.closed = true;
  clearTimeout(current.retryTimer);
  if (current.socket) current.socket.close();
  current = null;
  ui.connection.textContent = 'offline';
}

async function select(id) {
  closeCurrent();
  const session = { id, lastSeq: 0, messageIds: new Set(), calls: new Map(), approvals: new Map(), socket: null, closed: false, retryMs: 500 };
  session.view = eventView(session);
  current = session;
  history.replaceState(null, '', '#' + id);
  for (const b of ui.sessionList.querySelectorAll('.session-open')) b.removeAttribute('aria-current');
  const item = ui.sessionList.querySelector(`[data-session-id="${id}"] .session-open`);
  if (item) item.setAttribute('aria-current', 'true');

  const [info, page] = await Promise.all([api('GET', '/sessions/' + id), latestMessages(api, id)]);
  if (current !== session) return;
  resetView(info.title || 'Untitled ' + id.slice(0, 8));
  page.messages.forEach(renderMessage);
  session.lastSeq = resumeAfter(page);
  connect(session);
  loadWorkflow(session);
  loadApprovals(session);
}

function connect(session) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let url = `${scheme}//${location.host}${API}/sessions/${session.id}/stream?after=${session.lastSeq}`;
  if (token()) url += '&token=' + encodeURIComponent(token()); // browsers cannot set headers on a WebSocket
  const ws = new WebSocket(url);
  session.socket = ws;
  ui.connection.textContent = 'connecting…';
  ws.onopen = () => {
    session.retryMs = 500;
    ui.connection.textContent = 'live';
  };
  ws.onmessage = (m) => {
    if (current === session) onFrame(session, JSON.parse(m.data));
  };
  ws.onclose = (ev) => {
    if (session.closed || current !== session) return;
    if (ev.code === 4404) {
      ui.connection.textContent = 'offline';
      showError('This session no longer exists.');
      return;
    }
    // a network blip or a server restart: come back with after=<last seq applied>
    ui.connection.textContent = 'reconnecting…';
    session.retryTimer = setTimeout(() => connect(session), session.retryMs);
    session.retryMs = Math.min(session.retryMs * 2, 5000);
  };
}

function onFrame(session, f) {
  if (typeof f.seq === 'number') {
    applyEvent(session.view, session, f); // each event once, in seq order
  } else if (f.type === 'error') {
    // the socket's errors carry no tool_call_id: one that answers an approval being sent goes to its card
    const sending = [...session.approvals.values()].filter((a) => a.sending && !a.settled);
    if (sending.length) sending.forEach((a) => approvalFailed(a, f.error));
    else showError(f.error + (f.code ? ' (' + f.code + ')' : ''));
  } else if (f.type === 'approval_result') {
    const a = session.approvals.get(f.tool_call_id);
    if (a) a.sending = false; // the state event that follows settles the card
  } else if (f.type === 'accepted') {
    setRunning(true);
  }
}

/** What each kind of the session's events does to this page (agentx-common.js applies them). */
function eventView(session) {
  return {
    appendDraft, clearDraft, keepPartialDraft, showState, setRunning, renderMessage, showSummary, showWorkflow,
    showApproval: (turnId, d) => showApproval(session, turnId, d),
    settleApprovals: (turnId, d) => settleApprovals(session, turnId, d),
  };
}

// --- rendering ------------------------------------------------------------------------------

function appendDraft(text) {
  ui.draft.hidden = false;
  ui.draft.append(text);
}

function clearDraft() {
  ui.draft.replaceChildren();
  ui.draft.hidden = true;
}

/** A turn that ended without a final message (cancelled, failed) keeps what was streamed. */
function keepPartialDraft() {
  const text = ui.draft.textContent;
  clearDraft();
  if (text) {
    const li = messageItem('assistant', text);
    li.classList.add('partial');
    ui.conversation.append(li);
  }
}

function messageItem(role, text) {
  const li = document.createElement('li');
  li.className = 'msg ' + role;
  li.dataset.testid = 'message';
  li.dataset.role = role;
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = role === 'user' ? 'You' : 'Claude';
  const body = document.createElement('div');
  body.className = 'text';
  if (role === 'assistant') renderMarkdown(body, text);
  else body.textContent = text;
  li.append(who, body);
  return li;
}

/** Claude's answers are Markdown: rendered by marked, sanitized by DOMPurify; plain text when either is missing. */
function renderMarkdown(element, text) {
  if (window.marked && window.DOMPurify && text) {
    element.innerHTML = window.DOMPurify.sanitize(window.marked.parse(text).trim());
    element.classList.add('markdown');
  } else {
    element.textContent = text;
  }
}

function renderMessage(m) {
  if (!current || current.messageIds.has(m.message_id)) return;
  current.messageIds.add(m.message_id);
  const calls = m.tool_calls || [];
  if (m.role === 'user' && !m.content && calls.length) {
    calls.forEach(showToolResult); // a tool-results message completes the calls shown above
    return;
  }
  const li = messageItem(m.role, m.content || '');
  if (!m.content) li.querySelector('.text').hidden = true;
  const images = m.role === 'user' ? attachedImageUrls(m.blocks) : [];
  if (images.length) {
    const box = document.createElement('div');
    box.className = 'attached';
    images.forEach((src, i) => {
      const img = document.createElement('img');
      img.alt = 'Attached image ' + (i + 1);
      img.dataset.testid = 'attached-image';
      img.src = src;
      box.append(img);
    });
    li.append(box);
  }
  calls.forEach((c) => li.append(toolCallItem(c)));
  ui.conversation.append(li);
}

function toolCallItem(call) {
  const box = document.createElement('details');
  box.className = 'tool-call';
  box.dataset.testid = 'tool-call';
  box.dataset.callId = call.id || '';
  const summary = document.createElement('summary');
  summary.textContent = 'Tool: ' + call.name;
  const args = document.createElement('pre');
  args.className = 'tool-args';
  args.textContent = JSON.stringify(call.arguments ?? {}, null, 2);
  const result = document.createElement('pre');
  result.className = 'tool-result';
  result.dataset.testid = 'tool-result';
  result.textContent = 'running…';
  box.append(summary, label('Arguments'), args, label('Result'), result);
  if (call.id) current.calls.set(call.id, box);
  if (call.result !== undefined && call.result !== null || call.error) fillResult(box, call);
  return box;
}

function label(text) {
  const p = document.createElement('p');
  p.className = 'muted';
  p.textContent = text;
  return p;
}

function showToolResult(call) {
  let box = current.calls.get(call.id);
  if (!box) {
    const li = messageItem('tool', '');
    li.querySelector('.text').hidden = true;
    box = toolCallItem(call);
    li.append(box);
    ui.conversation.append(li);
  }
  fillResult(box, call);
}

function fillResult(box, call) {
  const result = box.querySelector('.tool-result');
  if (call.error) {
    box.classList.add('failed');
    result.textContent = 'Error: ' + call.error;
  } else {
    result.textContent = typeof call.result === 'string' ? call.result : JSON.stringify(call.result, null, 2);
    showMedia(box, call);
  }
}

/** The output images, videos and sounds a tool result names (agentx-common.js), shown through the runtime's media route. */
async function showMedia(box, call) {
  if (!current || box.querySelector('.media')) return;
  const session = current;
  const files = mediaFiles(call).filter((f) => mediaKind(f.filename)).slice(0, 12);
  if (!files.length) return;
  const gallery = document.createElement('div');
  gallery.className = 'media';
  box.append(gallery);
  box.open = true;
  for (const f of files) {
    const headers = token() ? { Authorization: 'Bearer ' + token() } : {};
    try {
      // fetched with the token (an <img src> cannot send it), then shown from a blob URL
      const res = await fetch(mediaUrl(API, session.id, f), { headers });
      if (!res.ok) continue;
      const url = URL.createObjectURL(await res.blob());
      const el = document.createElement(mediaKind(f.filename));
      if (el.tagName === 'IMG') el.alt = f.filename;
      else { el.controls = true; el.title = f.filename; }
      el.src = url;
      gallery.append(el);
    } catch (e) {
      // the file stays listed in the result text
    }
  }
}

function showState(d) {
  ui.state.textContent = stateText(d).text;
  ui.state.dataset.state = d.state;
}

function showSummary(t) {
  ui.summary.textContent = summaryText(t);
  ui.summary.dataset.status = t.status || 'completed';
}

function setRunning(running) {
  ui.stop.disabled = !running;
}

/** A workflow event: the session's new version, shown as it arrives (the agent's edits, a PUT, a restore). */
function showWorkflow(d) {
  const who = d.source === 'tool' ? 'an edit by Claude' : d.source === 'restore' ? 'a restore' : 'your upload';
  ui.workflow.textContent = `Version ${d.version} (${who})\n` + JSON.stringify(d.workflow, null, 2);
  ui.workflow.dataset.version = String(d.version);
}

async function loadWorkflow(session) {
  try {
    const wf = await api('GET', '/sessions/' + session.id + '/workflow');
    if (current === session) ui.workflow.textContent = JSON.stringify(wf, null, 2);
  } catch (e) {
    if (current === session) ui.workflow.textContent = e.status === 404 ? 'No workflow yet.' : 'Cannot load the workflow: ' + e.message;
  }
}

// --- approvals ------------------------------------------------------------------------------

/** Pending approvals from the store, in case the replay did not bring them (the events are the first source). */
async function loadApprovals(session) {
  try {
    const page = await api('GET', '/sessions/' + session.id + '/approvals');
    if (current === session) page.approvals.forEach((a) => showApproval(session, a.turn_id, a));
  } catch (e) {
    // the replay shows them as well
  }
}

/** A card for one approval_required: tool name, editable input, reason, Approve / Deny. Untrusted text goes in as text only. */
function showApproval(session, turnId, d) {
  if (!d || !d.tool_call_id || session.approvals.has(d.tool_call_id)) return;
  const callId = d.tool_call_id;
  const original = JSON.stringify(d.input ?? {}, null, 2);
  const card = document.createElement('li');
  card.className = 'msg approval';
  card.dataset.testid = 'approval';
  card.dataset.callId = callId;
  card.dataset.state = 'pending';
  const title = document.createElement('p');
  title.className = 'approval-title';
  const name = document.createElement('code');
  name.textContent = d.tool_name;
  title.append('Claude wants to run ', name);
  const inputId = 'approval-input-' + callId;
  const input = document.createElement('textarea');
  input.id = inputId;
  input.className = 'approval-input';
  input.dataset.testid = 'approval-input';
  input.spellcheck = false;
  input.rows = Math.min(12, original.split('\n').length + 1);
  input.value = original;
  const reasonId = 'approval-reason-' + callId;
  const reason = document.createElement('input');
  reason.id = reasonId;
  reason.type = 'text';
  reason.className = 'approval-reason';
  reason.dataset.testid = 'approval-reason';
  reason.maxLength = 2000;
  reason.placeholder = 'optional';
  const error = document.createElement('p');
  error.className = 'approval-error';
  error.dataset.testid = 'approval-error';
  error.setAttribute('role', 'alert');
  error.hidden = true;
  const approve = document.createElement('button');
  approve.type = 'button';
  approve.className = 'approve';
  approve.dataset.testid = 'approval-approve';
  approve.textContent = 'Approve';
  const deny = document.createElement('button');
  deny.type = 'button';
  deny.className = 'deny';
  deny.dataset.testid = 'approval-deny';
  deny.textContent = 'Deny';
  const actions = document.createElement('div');
  actions.className = 'actions';
  actions.append(approve, deny);
  const outcome = document.createElement('p');
  outcome.className = 'approval-outcome';
  outcome.dataset.testid = 'approval-outcome';
  outcome.setAttribute('role', 'status');
  outcome.hidden = true;
  card.append(title, fieldLabel(inputId, 'Input (edit it to change what the tool gets)'), input,
    fieldLabel(reasonId, 'Reason (Claude reads it)'), reason, error, actions, outcome);
  if (d.expires_at) {
    const expires = label('Answer by ' + new Date(d.expires_at).toLocaleTimeString() + ', or it is denied.');
    expires.className = 'muted approval-expiry';
    card.append(expires);
  }
  const a = { callId, turnId, toolName: d.tool_name, original: d.input ?? {}, originalText: original,
    card, input, reason, error, actions, outcome, approve, deny, sending: false, settled: false };
  session.approvals.set(callId, a);
  approve.addEventListener('click', () => answerApproval(session, a, 'approve'));
  deny.addEventListener('click', () => answerApproval(session, a, 'deny'));
  ui.conversation.append(card);
}

function fieldLabel(forId, text) {
  const l = document.createElement('label');
  l.htmlFor = forId;
  l.textContent = text;
  return l;
}

/** Sends {type: approval} (input goes along only when the person changed it: approvalAnswer); over REST when the socket is down. */
function answerApproval(session, a, decision) {
  if (a.settled || a.sending) return;
  const built = approvalAnswer(a.callId, decision, { text: a.input.value, originalText: a.originalText, original: a.original, reason: a.reason.value });
  if ('error' in built) {
    showApprovalError(a, built.error);
    return;
  }
  const answer = built.answer;
  showApprovalError(a, '');
  a.sending = true;
  a.approve.disabled = a.deny.disabled = true;
  const ws = session.socket;
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify({ type: 'approval', ...answer }));
  } else {
    const { tool_call_id: callId, ...body } = answer;
    api('POST', `/sessions/${session.id}/approvals/${encodeURIComponent(callId)}`, body)
      .then(() => { a.sending = false; })
      .catch((e) => approvalFailed(a, e.message));
  }
}

function showApprovalError(a, message) {
  a.error.textContent = message;
  a.error.hidden = !message;
}

function approvalFailed(a, message) {
  a.sending = false;
  a.approve.disabled = a.deny.disabled = false;
  showApprovalError(a, message);
}

/**
 * An answer's state event settles its card: approved / denied name the call, a cancel answers every
 * approval of the turn, and a turn's end closes whatever of it is still open.
 */
function settleApprovals(session, turnId, d) {
  for (const a of session.approvals.values()) {
    if (a.settled) continue;
    if (d.tool_call_id ? a.callId === d.tool_call_id : a.turnId === turnId) settleApproval(a, d.state, d.progress || {});
  }
}

function settleApproval(a, state, p) {
  a.settled = true;
  a.sending = false;
  a.card.dataset.state = state;
  a.actions.remove();
  a.input.readOnly = a.reason.readOnly = true;
  showApprovalError(a, '');
  if (p.input) a.input.value = JSON.stringify(p.input, null, 2);
  if (p.reason && !a.reason.value) a.reason.value = p.reason;
  a.outcome.textContent = approvalOutcome(state, p);
  a.outcome.hidden = false;
  const expiry = a.card.querySelector('.approval-expiry');
  if (expiry) expiry.remove();
}

// --- user input -----------------------------------------------------------------------------

function sendMessage() {
  const content = ui.input.value.trim();
  const images = attached.slice();
  if ((!content && !images.length) || !current) return;
  const ws = current.socket;
  if (!ws || ws.readyState !== WebSocket.OPEN) {
    showError('Not connected to the session yet; try again in a moment.');
    return;
  }
  showError('');
  if (images.length) {
    sendWithImages(current, content, images);
    return;
  }
  ws.send(JSON.stringify({ type: 'message', content }));
  ui.input.value = '';
}

/** Text first, then the images, as content blocks, over REST; the turn's events come over the socket as usual. */
async function sendWithImages(session, text, images) {
  ui.send.disabled = true;
  try {
    await api('POST', '/sessions/' + session.id + '/messages', { content: messageContent(text, images), wait: false });
    if (current !== session) return;
    ui.input.value = '';
    clearAttachments();
    setRunning(true);
  } catch (e) {
    showError(sendFailure(e.status, e.message));
  } finally {
    ui.send.disabled = !current;
  }
}

/** Each image becomes a thumbnail with a remove button; other files are refused with a sentence. */
async function addAttachments(files) {
  const refused = [];
  for (const file of files) {
    const problem = attachmentProblem(file, attached.length);
    if (problem) {
      refused.push(problem);
      continue;
    }
    const data = await readBase64(file);
    const item = document.createElement('li');
    item.className = 'attachment';
    item.dataset.testid = 'attachment';
    const img = document.createElement('img');
    img.alt = file.name;
    img.src = `data:${file.type};base64,${data}`;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'attachment-remove';
    remove.dataset.testid = 'attachment-remove';
    remove.textContent = '×';
    remove.title = 'Remove ' + file.name;
    remove.setAttribute('aria-label', 'Remove ' + file.name);
    const attachment = { name: file.name, mediaType: file.type, data, item };
    remove.addEventListener('click', () => {
      attached = attached.filter((a) => a !== attachment);
      item.remove();
      ui.input.focus();
    });
    item.append(img, remove);
    attached.push(attachment);
    ui.attachments.append(item);
  }
  showError(refused.join(' '));
}

function clearAttachments() {
  attached = [];
  ui.attachments.replaceChildren();
}

function stopTurn() {
  if (!current) return;
  const ws = current.socket;
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'cancel' }));
  else api('POST', '/sessions/' + current.id + '/cancel').catch((e) => showError(e.message));
}

ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  sendMessage();
});
ui.input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    sendMessage();
  }
});
ui.stop.addEventListener('click', stopTurn);
ui.attachInput.accept = ATTACHMENT_TYPES.join(',');
ui.attach.addEventListener('click', () => ui.attachInput.click());
ui.attachInput.addEventListener('change', () => {
  const files = [...ui.attachInput.files];
  ui.attachInput.value = '';
  addAttachments(files).catch((e) => showError(e.message));
});
ui.input.addEventListener('paste', (e) => {
  const files = [...((e.clipboardData && e.clipboardData.files) || [])];
  if (!files.length) return; // text pastes as usual
  e.preventDefault();
  addAttachments(files).catch((err) => showError(err.message));
});
ui.moreSessions.addEventListener('click', () => showMoreSessions().catch((e) => showError(e.message)));
ui.newSessionForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const title = ui.newSessionTitle.value.trim();
  ui.newSessionTitle.value = '';
  createSession(title).catch((err) => showError(err.message));
});
ui.tokenForm.addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, ui.tokenInput.value.trim());
  ui.tokenInput.value = '';
  ui.tokenForm.hidden = true;
  showError('');
  start();
});

async function start() {
  try {
    await loadSessions();
    const wanted = decodeURIComponent(location.hash.slice(1)); // a reload comes back to its session
    if (wanted) await select(wanted);
  } catch (e) {
    if (e.status !== 401) showError(e.message);
  }
}

start();
