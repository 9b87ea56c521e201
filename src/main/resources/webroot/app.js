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
// summary lines, approval cards and their answers, tool calls and their output files, attached images,
// REST) is in agentx-common.js; its shared markup gets this page's class prefix, none.
import {
  applyEvent, approvalAnswer, approvalCard, approvalFailed, approvalSending, ATTACHMENT_TYPES, attachedImageUrls, attachmentProblem,
  fillToolCall, latestMessages, mediaElement, mediaUrl, messageContent, moreSessions, readBase64, requestJson, resumeAfter, sendFailure,
  settleApprovals, showApprovalError, stateText, summaryText, toolCallBox,
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
    settleApprovals: (turnId, d) => settleApprovals('', session.approvals, turnId, d),
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
  who.textContent = role === 'user' ? 'You' : role === 'assistant' ? 'Claude' : 'Tool';
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
  const box = toolCallBox('', call, showMedia);
  if (call.id) current.calls.set(call.id, box);
  return box;
}

function showToolResult(call) {
  const box = current.calls.get(call.id);
  if (box) {
    fillToolCall('', box, call, showMedia);
    return;
  }
  const li = messageItem('tool', '');
  li.querySelector('.text').hidden = true;
  li.append(toolCallItem(call));
  ui.conversation.append(li);
}

/** An output image, video or sound a tool result names (agentx-common.js), through the runtime's media route. */
function showMedia(f) {
  return mediaElement('', mediaUrl(API, current.id, f), f, token());
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

/** A card for one approval_required (agentx-common.js): tool name, editable input, reason, Approve / Deny. */
function showApproval(session, turnId, d) {
  const a = approvalCard('', session.approvals, turnId, d, (card, decision) => answerApproval(session, card, decision));
  if (a) ui.conversation.append(a.card);
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
  approvalSending(a);
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
