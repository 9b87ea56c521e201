// @ts-check
// What the chat page (app.js) and the ComfyUI panel (comfyui/agentx-panel.js) do the same way, in one
// place: the session list's pages, opening a session (its latest messages, then its events after its
// last turn's end), how its events are applied (each once, in seq order, and what each type changes),
// the texts of a turn's state and summary, the answer an approval card sends and the sentence its
// outcome shows, attached images (what may be attached, the content blocks a message sends, the stored
// images shown back), the output files a tool result names, a REST call, and the markup of a tool call
// and of an approval card (each page gives its class prefix: '' on the chat page, 'agentx-' in the panel,
// whose names must not meet ComfyUI's). Each page keeps its own wire (the page a WebSocket, the panel the
// event-bus bridge) and the rest of its markup.
//
// Served by the runtime at /agentx-common.js, revalidated on every load like the two pages importing it,
// so a new jar's pages never meet an old copy of this module.

/**
 * @typedef {{type: string, session_id: string, turn_id?: string, seq: number, timestamp?: string, data: any, kind?: string}} AgentEvent
 * @typedef {{tool_call_id: string, decision: string, reason?: string, input?: Record<string, any>}} ApprovalAnswer
 * @typedef {{filename: string, subfolder: string, type: string}} MediaFile
 * @typedef {{id: string, lastSeq: number}} FollowedSession
 * @typedef {object} ApprovalCard one approval_required shown, and what its answer is made of
 * @property {string} callId
 * @property {string | undefined} turnId
 * @property {any} original Claude's input
 * @property {string} originalText the input as first shown in the editor
 * @property {HTMLElement} card
 * @property {HTMLTextAreaElement} input
 * @property {HTMLInputElement} reason
 * @property {HTMLElement} error
 * @property {HTMLElement} actions
 * @property {HTMLElement} outcome
 * @property {HTMLButtonElement} approve
 * @property {HTMLButtonElement} deny
 * @property {boolean} sending an answer is on its way
 * @property {boolean} settled its state event (or the turn's end) came
 * @typedef {object} EventView what a page does for each kind of event
 * @property {(text: string) => void} appendDraft a stream token of the answer being written
 * @property {() => void} clearDraft the streamed text is superseded (by the stored message, or a resume)
 * @property {() => void} keepPartialDraft the turn ended without a final message: what was streamed stays
 * @property {(d: any) => void} showState a state event's data
 * @property {(running: boolean) => void} setRunning whether a turn of the session runs (Stop is enabled)
 * @property {(turnId: string, d: any) => void} showApproval an approval_required event's data
 * @property {(turnId: string | undefined, d: any) => void} settleApprovals the answer to approvals, or the turn's end
 * @property {(m: any) => void} renderMessage a stored message (each once, by message_id)
 * @property {(t: any) => void} showSummary a turn event's data
 * @property {(d: any) => void} showWorkflow a workflow event's data
 */

/** State events while a turn runs (Stop is enabled). */
const RUNNING_STATES = new Set(['thinking', 'responding', 'calling_tool', 'tool_result', 'retrying',
  'awaiting_approval', 'approved', 'denied', 'resumed']);
/** State events that answer an approval (data.tool_call_id names it; a cancel names none and answers the whole turn). */
const ANSWER_STATES = new Set(['approved', 'denied', 'cancelled']);

// --- the session list ----------------------------------------------------------------------------

/** Sessions a page of the list holds (most recently updated first); more are loaded on request. */
export const SESSION_PAGE = 100;

/**
 * The next page of the session list after the {@code shown} already listed, without any of them again
 * (a session updated meanwhile moves to the top and shifts the pages), and how many remain after it.
 * @param {(method: string, path: string) => Promise<any>} api the page's REST call
 * @param {string[]} shown the ids of the pages listed so far, in order
 * @param {string[]} [listed] every id listed, when the list also holds sessions from outside its pages
 *     (one opened by its id)
 * @returns {Promise<{sessions: any[], remaining: number}>}
 */
export async function moreSessions(api, shown, listed = shown) {
  const page = await api('GET', '/sessions?limit=' + SESSION_PAGE + '&offset=' + shown.length);
  const known = new Set(listed);
  const sessions = page.sessions.filter((/** @type {any} */ s) => !known.has(s.session_id));
  return { sessions, remaining: Math.max(0, page.total - shown.length - page.sessions.length) };
}

// --- opening a session ---------------------------------------------------------------------------

/**
 * The newest messages of a session (up to {@code limit}, oldest first) as a page of
 * {@code GET /sessions/{id}/messages}: the first page when it holds them all, else the last one.
 * @param {(method: string, path: string) => Promise<any>} api the page's REST call
 * @param {string} sessionId
 * @param {number} [limit]
 * @returns {Promise<{messages: any[], total: number, offset: number, limit: number, last_turn_seq: number}>}
 */
export async function latestMessages(api, sessionId, limit = 1000) {
  const path = '/sessions/' + sessionId + '/messages?limit=' + limit;
  const page = await api('GET', path);
  return page.total > page.messages.length ? api('GET', path + '&offset=' + (page.total - limit)) : page;
}

/**
 * Where to follow a session's events from after showing a page of its messages: from its last turn's
 * end (the {@code turn} event itself, so its summary shows), so the turn in flight, if any, is
 * replayed from its start and nothing after the page's read is missed. The messages the replay brings
 * again are shown once (by message_id). A session without a finished turn is followed from its start.
 * @param {{last_turn_seq?: number}} page
 */
export function resumeAfter(page) {
  return Math.max(0, (Number(page.last_turn_seq) || 0) - 1);
}

// --- events -------------------------------------------------------------------------------------

/**
 * Applies one event of the followed session, once: an event at or below the last seq applied (a
 * replay overlapping the live tail, a reconnect) is skipped. Answers whether it was applied.
 * @param {EventView} view
 * @param {FollowedSession} s
 * @param {AgentEvent} e
 * @returns {boolean}
 */
export function applyEvent(view, s, e) {
  if (typeof e.seq !== 'number' || e.seq <= s.lastSeq) return false;
  s.lastSeq = e.seq;
  switch (e.type) {
    case 'stream':
      if (e.kind !== 'thinking') view.appendDraft(String(e.data));
      break;
    case 'state':
      view.showState(e.data);
      if (RUNNING_STATES.has(e.data.state)) view.setRunning(true);
      if (ANSWER_STATES.has(e.data.state)) view.settleApprovals(e.turn_id, e.data);
      if (e.data.state === 'resumed') view.clearDraft(); // text streamed before a resume is superseded
      break;
    case 'approval_required':
      view.showApproval(e.turn_id || '', e.data);
      view.setRunning(true);
      break;
    case 'message':
      view.renderMessage(e.data);
      if (e.data.role === 'assistant') view.clearDraft(); // the streamed tokens were this message's text
      else if (e.data.role === 'user' && e.data.content) view.setRunning(true);
      break;
    case 'turn':
      // a turn queued behind the running one and closed before it started (no user message) leaves that one alone
      if (e.data.user_message_id != null) {
        view.keepPartialDraft();
        view.settleApprovals(e.turn_id, { state: 'ended', progress: { reason: 'the turn ended (' + (e.data.status || 'completed') + ')' } });
        view.setRunning(false);
      }
      view.showSummary(e.data);
      break;
    case 'workflow':
      view.showWorkflow(e.data);
      break;
  }
  return true;
}

/**
 * A state event's line for the user, and ComfyUI's progress ({value, max}) while a tool runs a workflow.
 * @param {any} d {state, tool_name?, progress?}
 * @returns {{text: string, progress: {value: number, max: number} | null}}
 */
export function stateText(d) {
  const p = d.progress || {};
  let text = d.state;
  let progress = null;
  switch (d.state) {
    case 'thinking': text = 'thinking…'; break;
    case 'responding': text = 'responding…'; break;
    case 'calling_tool':
      text = 'running tool ' + (d.tool_name || '');
      if (typeof p.max === 'number' && p.max > 0) {
        text += ` — ComfyUI ${p.value}/${p.max}` + (p.node ? ` (node ${p.node})` : '');
        progress = { value: Number(p.value) || 0, max: p.max };
      }
      break;
    case 'tool_result': text = 'tool ' + (d.tool_name || '') + ' finished'; break;
    case 'retrying':
      text = `retrying (attempt ${p.attempt}/${p.max}` + (p.delay_ms ? `, in ${(p.delay_ms / 1000).toFixed(1)} s` : '') + ')'
        + (p.reason ? ': ' + p.reason : '');
      break;
    case 'error': text = 'error: ' + (p.message || p.code || 'unknown'); break;
    case 'warning': text = 'warning: ' + (p.message || p.code || 'unknown'); break;
    case 'awaiting_approval': text = 'waiting for your approval'; break;
    case 'approved': text = 'approved ' + (d.tool_name || ''); break;
    case 'denied': text = 'denied ' + (d.tool_name || '') + (p.reason ? ': ' + p.reason : ''); break;
    case 'resumed': text = p.reason === 'interrupted' ? 'resuming after an interruption…' : 'resuming…'; break;
  }
  return { text, progress };
}

/**
 * A turn event's line: status, duration, tokens, cost when known, tool calls.
 * @param {any} t
 */
export function summaryText(t) {
  const parts = [t.status || 'completed', ((t.duration_ms || 0) / 1000).toFixed(1) + ' s',
    `${t.total_tokens ?? 0} tokens (${t.input_tokens ?? 0} in, ${t.output_tokens ?? 0} out)`];
  if (typeof t.cost_usd === 'number') parts.push('$' + t.cost_usd.toFixed(4));
  if (t.tool_calls) parts.push(t.tool_calls + ' tool call' + (t.tool_calls === 1 ? '' : 's'));
  return 'Last turn: ' + parts.join(' · ');
}

// --- approvals ----------------------------------------------------------------------------------

/**
 * The answer to send for one approval card, or why it cannot be sent. The edited input goes along
 * only with approve, only when the text changed, and only as a JSON object that differs from Claude's.
 * @param {string} callId
 * @param {'approve' | 'deny'} decision
 * @param {{text: string, originalText: string, original: any, reason: string}} form
 * @returns {{answer: ApprovalAnswer} | {error: string}}
 */
export function approvalAnswer(callId, decision, form) {
  /** @type {ApprovalAnswer} */
  const answer = { tool_call_id: callId, decision };
  const reason = form.reason.trim();
  if (reason) answer.reason = reason;
  if (decision === 'approve' && form.text !== form.originalText) {
    let edited;
    try {
      edited = JSON.parse(form.text);
    } catch (e) {
      return { error: 'The input is not valid JSON: ' + /** @type {Error} */ (e).message };
    }
    if (!edited || typeof edited !== 'object' || Array.isArray(edited)) return { error: 'The input must be a JSON object ({…}).' };
    if (JSON.stringify(edited) !== JSON.stringify(form.original)) answer.input = edited;
  }
  return { answer };
}

/**
 * What a settled approval card says: its state event (approved, denied, cancelled) or the turn's end.
 * @param {string} state
 * @param {any} p the state event's progress {reason?, input?}
 */
export function approvalOutcome(state, p) {
  return state === 'approved' ? 'Approved' + (p.input ? ' with edited input' : '')
    : state === 'denied' ? 'Denied' + (p.reason ? ': ' + p.reason : '')
    : state === 'cancelled' ? 'Cancelled: the turn was stopped'
    : 'Not answered: ' + (p.reason || 'the turn ended');
}

// --- the markup of a tool call and of an approval card ----------------------------------------------

/**
 * An element with attributes ('class' and 'text' set className and textContent) and children. Text
 * goes in as text only: what Claude, a tool or another client wrote is never parsed as HTML.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string>} [attrs]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
}

/**
 * One tool call: its name, arguments and result in a details box (the result reads "running…" until
 * {@link fillToolCall}), and beside the box, so they show without opening it, the output files its
 * result names.
 * @param {string} p the page's class prefix
 * @param {any} call {id, name, arguments, result?, error?}
 * @param {(f: MediaFile) => HTMLElement} media how the page shows one output file
 * @returns {HTMLElement} the call's element (data-testid tool-call, data-call-id)
 */
export function toolCallBox(p, call, media) {
  const box = el('div', { class: p + 'tool-call', 'data-testid': p + 'tool-call', 'data-call-id': call.id || '', 'data-tool': String(call.name) }, [
    el('details', {}, [
      el('summary', { text: 'Tool: ' + call.name }),
      el('p', { class: p + 'muted', text: 'Arguments' }),
      el('pre', { class: p + 'tool-args', text: JSON.stringify(call.arguments ?? {}, null, 2) }),
      el('p', { class: p + 'muted', text: 'Result' }),
      el('pre', { class: p + 'tool-result', 'data-testid': p + 'tool-result', text: 'running…' }),
    ]),
    el('div', { class: p + 'media', 'data-testid': p + 'media' }),
  ]);
  if ((call.result !== undefined && call.result !== null) || call.error) fillToolCall(p, box, call, media);
  return box;
}

/**
 * A tool call's result (or error) written into its element, with the output files it names; the
 * files are added once.
 * @param {string} p the page's class prefix
 * @param {HTMLElement} box what {@link toolCallBox} made
 * @param {any} call {name, result?, error?}
 * @param {(f: MediaFile) => HTMLElement} media how the page shows one output file
 * @returns {number} the output files shown
 */
export function fillToolCall(p, box, call, media) {
  const result = /** @type {HTMLElement} */ (box.querySelector('.' + p + 'tool-result'));
  if (call.error) {
    box.classList.add(p + 'failed');
    result.textContent = 'Error: ' + call.error;
    return 0;
  }
  result.textContent = typeof call.result === 'string' ? call.result : JSON.stringify(call.result, null, 2);
  const gallery = /** @type {HTMLElement} */ (box.querySelector('.' + p + 'media'));
  if (gallery.childElementCount) return 0;
  const files = mediaFiles(call);
  for (const f of files) gallery.append(media(f));
  return files.length;
}

/**
 * One output file as a figure (an image, a video or a sound with its name under it), or a link for
 * another kind of file. The media route takes the API token as a header only, which neither an <img>
 * nor a link can send: with a token the bytes are fetched and shown (or opened) from a blob.
 * @param {string} p the page's class prefix
 * @param {string} url the file's media URL ({@link mediaUrl})
 * @param {MediaFile} f
 * @param {string | null | undefined} token the API token, when the runtime has one
 * @returns {HTMLElement}
 */
export function mediaElement(p, url, f, token) {
  const kind = mediaKind(f.filename);
  /** @param {Element} node what the file's failure replaces */
  const failed = (node) => (/** @type {Error} */ e) => node.replaceWith(el('span', { class: p + 'media-error', text: `${f.filename}: ${e.message}` }));
  /** @type {HTMLImageElement | HTMLVideoElement | HTMLAudioElement} */
  let media;
  if (kind === 'video') media = el('video', { controls: '', loop: '', 'aria-label': f.filename });
  else if (kind === 'audio') media = el('audio', { controls: '', 'aria-label': f.filename });
  else if (kind === 'img') media = el('img', { alt: f.filename, loading: 'lazy' });
  else {
    const link = el('a', { href: url, target: '_blank', rel: 'noopener', text: f.filename });
    if (token) {
      // a link cannot send the header either: the click fetches the file and opens its bytes
      link.addEventListener('click', (event) => {
        event.preventDefault();
        fetchBlob(url, token).then((blob) => {
          const bytes = URL.createObjectURL(blob);
          window.open(bytes, '_blank', 'noopener');
          setTimeout(() => URL.revokeObjectURL(bytes), 60_000);
        }).catch(failed(link));
      });
    }
    return link;
  }
  if (!token) media.setAttribute('src', url);
  else {
    fetchBlob(url, token)
      .then((blob) => {
        const bytes = URL.createObjectURL(blob);
        // a decoded image no longer needs its URL; a video or a sound reads it while it plays
        if (kind === 'img') media.addEventListener('load', () => URL.revokeObjectURL(bytes), { once: true });
        media.setAttribute('src', bytes);
      })
      .catch(failed(media));
  }
  return el('figure', { class: p + 'figure' }, [media, el('figcaption', { text: f.filename })]);
}

/**
 * A file of the runtime's media route, fetched with the API token.
 * @param {string} url
 * @param {string} token
 * @returns {Promise<Blob>}
 */
function fetchBlob(url, token) {
  return fetch(url, { headers: { Authorization: 'Bearer ' + token } })
    .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(r.status + ' ' + r.statusText))));
}

/**
 * A card for one approval_required: the tool's name, its input (editable), a reason, Approve / Deny,
 * and where the answer's outcome and a refusal go; kept in the session's cards, one per call (null
 * when the call has one already, or the data names none). The page adds it to its conversation;
 * a click calls {@code answer}, which sends the answer ({@link approvalAnswer}) over the page's wire.
 * @param {string} p the page's class prefix
 * @param {Map<string, ApprovalCard>} approvals the session's cards
 * @param {string | undefined} turnId
 * @param {any} d the event's data {tool_call_id, tool_name, input, expires_at?}
 * @param {(a: ApprovalCard, decision: 'approve' | 'deny') => void} answer
 * @returns {ApprovalCard | null}
 */
export function approvalCard(p, approvals, turnId, d, answer) {
  if (!d || typeof d.tool_call_id !== 'string' || approvals.has(d.tool_call_id)) return null;
  const callId = d.tool_call_id;
  const originalText = JSON.stringify(d.input ?? {}, null, 2);
  const inputId = p + 'approval-input-' + callId;
  const reasonId = p + 'approval-reason-' + callId;
  const input = el('textarea', { id: inputId, class: p + 'approval-input', 'data-testid': p + 'approval-input', spellcheck: 'false',
    rows: String(Math.min(10, originalText.split('\n').length + 1)) });
  input.value = originalText;
  const reason = el('input', { id: reasonId, type: 'text', class: p + 'approval-reason', 'data-testid': p + 'approval-reason',
    maxlength: '2000', placeholder: 'optional' });
  const error = el('p', { class: p + 'approval-error', role: 'alert', 'data-testid': p + 'approval-error' });
  error.hidden = true;
  const approve = el('button', { type: 'button', class: p + 'button ' + p + 'approve', 'data-testid': p + 'approval-approve', text: 'Approve' });
  const deny = el('button', { type: 'button', class: p + 'button ' + p + 'deny', 'data-testid': p + 'approval-deny', text: 'Deny' });
  const actions = el('div', { class: p + 'actions ' + p + 'approval-actions' }, [approve, deny]);
  const outcome = el('p', { class: p + 'approval-outcome', role: 'status', 'data-testid': p + 'approval-outcome' });
  outcome.hidden = true;
  const card = el('li', { class: p + 'msg ' + p + 'approval', 'data-testid': p + 'approval', 'data-call-id': callId, 'data-state': 'pending' }, [
    el('p', { class: p + 'approval-title' }, ['Claude wants to run ', el('code', { text: String(d.tool_name) })]),
    el('label', { for: inputId, text: 'Input (edit it to change what the tool gets)' }), input,
    el('label', { for: reasonId, text: 'Reason (Claude reads it)' }), reason,
    error, actions, outcome,
  ]);
  if (d.expires_at) {
    card.append(el('p', { class: p + 'muted ' + p + 'approval-expiry',
      text: 'Answer by ' + new Date(d.expires_at).toLocaleTimeString() + ', or it is denied.' }));
  }
  /** @type {ApprovalCard} */
  const a = { callId, turnId, original: d.input ?? {}, originalText, card, input, reason, error, actions, outcome, approve, deny,
    sending: false, settled: false };
  approvals.set(callId, a);
  approve.addEventListener('click', () => answer(a, 'approve'));
  deny.addEventListener('click', () => answer(a, 'deny'));
  return a;
}

/**
 * The sentence under a card's buttons (why its answer was refused or not sent); empty hides it.
 * @param {ApprovalCard} a
 * @param {string} message
 */
export function showApprovalError(a, message) {
  a.error.textContent = message;
  a.error.hidden = !message;
}

/**
 * An answer is on its way: the buttons wait for its state event (or for {@link approvalFailed}).
 * @param {ApprovalCard} a
 */
export function approvalSending(a) {
  showApprovalError(a, '');
  a.sending = true;
  a.approve.disabled = a.deny.disabled = true;
}

/**
 * An answer that did not go through: the buttons again, and why.
 * @param {ApprovalCard} a
 * @param {string} message
 */
export function approvalFailed(a, message) {
  a.sending = false;
  if (a.settled) return; // the state event that settled the card came first
  a.approve.disabled = a.deny.disabled = false;
  showApprovalError(a, message);
}

/**
 * An answer's state event settles its card: approved / denied name the call, a cancel answers every
 * approval of the turn, and a turn's end closes whatever of it is still open. The card keeps what was
 * answered (the edited input, the reason) read-only, and the outcome's sentence instead of the buttons.
 * @param {string} p the page's class prefix
 * @param {Map<string, ApprovalCard>} approvals the session's cards
 * @param {string | undefined} turnId
 * @param {any} d the state event's data {state, tool_call_id?, progress?}, or the turn event's {state: 'ended', progress: {reason}}
 */
export function settleApprovals(p, approvals, turnId, d) {
  for (const a of approvals.values()) {
    if (a.settled || !(d.tool_call_id ? a.callId === d.tool_call_id : a.turnId === turnId)) continue;
    const progress = d.progress || {};
    a.settled = true;
    a.sending = false;
    a.card.dataset.state = d.state;
    a.actions.remove();
    a.input.readOnly = a.reason.readOnly = true;
    showApprovalError(a, '');
    if (progress.input) a.input.value = JSON.stringify(progress.input, null, 2);
    if (progress.reason && !a.reason.value) a.reason.value = progress.reason;
    a.outcome.textContent = approvalOutcome(d.state, progress);
    a.outcome.hidden = false;
    a.card.querySelector('.' + p + 'approval-expiry')?.remove();
  }
}

// --- attached images ----------------------------------------------------------------------------

/** The image types the Messages API takes. */
export const ATTACHMENT_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
/** The Messages API's limit for one image (decoded); the runtime refuses more. */
const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** A message is at most 20 content blocks: the text and up to 19 images. */
const MAX_ATTACHMENTS = 19;

/**
 * Why a file cannot be attached, as a sentence for the user, or null when it can.
 * @param {{name: string, type: string, size: number}} file
 * @param {number} attached how many images the message has already
 * @returns {string | null}
 */
export function attachmentProblem(file, attached) {
  if (!ATTACHMENT_TYPES.includes(file.type)) {
    return `${file.name} is not a PNG, JPEG, GIF or WebP image${file.type ? ' (it is ' + file.type + ')' : ''}; it was not attached.`;
  }
  if (file.size > MAX_ATTACHMENT_BYTES) {
    return `${file.name} is ${(file.size / (1024 * 1024)).toFixed(1)} MB; an image may be at most 5 MB. It was not attached.`;
  }
  if (attached >= MAX_ATTACHMENTS) return `A message can carry at most ${MAX_ATTACHMENTS} images; ${file.name} was not attached.`;
  return null;
}

/**
 * What a message sends as `content`: the plain text when no image is attached, else Anthropic
 * content blocks, the text first, then each image as base64.
 * @param {string} text
 * @param {{mediaType: string, data: string}[]} images
 * @returns {string | any[]}
 */
export function messageContent(text, images) {
  if (!images.length) return text;
  /** @type {any[]} */
  const blocks = text ? [{ type: 'text', text }] : [];
  for (const i of images) blocks.push({ type: 'image', source: { type: 'base64', media_type: i.mediaType, data: i.data } });
  return blocks;
}

/**
 * The images among a stored message's content blocks, as data: URLs; anything that is not a base64
 * image of an allowed type is left out, so only an image can end up in an <img src>.
 * @param {any} blocks
 * @returns {string[]}
 */
export function attachedImageUrls(blocks) {
  if (!Array.isArray(blocks)) return [];
  return blocks.filter((b) => b && b.type === 'image' && b.source && b.source.type === 'base64'
      && ATTACHMENT_TYPES.includes(b.source.media_type) && typeof b.source.data === 'string' && /^[A-Za-z0-9+/]+=*$/.test(b.source.data))
    .map((b) => `data:${b.source.media_type};base64,${b.source.data}`);
}

/**
 * The sentence for a message the runtime refused; a 413 says what the limits are.
 * @param {number | undefined} status
 * @param {string} error
 */
export function sendFailure(status, error) {
  if (status === 413) {
    return 'The runtime refused the message as too large (413: ' + error.replace(/\.$/, '') + '). An image may be at most 5 MB, and the whole '
      + 'message must fit in the runtime\'s request limit (AGENTX_MAX_BODY_BYTES, 1 MiB unless raised): attach a smaller image.';
  }
  return 'The message was not sent: ' + error;
}

/**
 * The file's bytes in base64 (FileReader's data: URL without its prefix).
 * @param {Blob & {name?: string}} file
 * @returns {Promise<string>}
 */
export function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1));
    reader.onerror = () => reject(reader.error || new Error('cannot read ' + (file.name || 'the file')));
    reader.readAsDataURL(file);
  });
}

// --- output files of tool results ---------------------------------------------------------------

const IMAGE = /\.(png|jpe?g|webp|gif|bmp|avif)$/i;
const VIDEO = /\.(mp4|webm|mov|mkv|m4v)$/i;
const AUDIO = /\.(mp3|wav|flac|ogg|oga|opus|m4a|aac)$/i;

/**
 * The files a tool result names: run_workflow's report has `outputs` [{filename, subfolder, type}];
 * get_output_images answers a text listing ("1. sub/name.png (output, node 9) - 64x48").
 * @param {{name: string, result?: any}} call
 * @returns {MediaFile[]}
 */
export function mediaFiles(call) {
  const result = call.result;
  if (result && typeof result === 'object' && Array.isArray(result.outputs)) {
    return result.outputs.filter((/** @type {any} */ f) => f && typeof f.filename === 'string')
      .map((/** @type {any} */ f) => ({ filename: f.filename, subfolder: f.subfolder || '', type: f.type || 'output' }));
  }
  if (typeof result === 'string' && call.name === 'get_output_images') {
    const files = [];
    for (const m of result.matchAll(/^\d+\. (?:(.*)\/)?([^/\n]+?) \((\w+), node [^)]*\)/gm)) {
      files.push({ filename: m[2], subfolder: m[1] || '', type: m[3] });
    }
    return files;
  }
  return [];
}

/**
 * How a file is shown, by its extension: an image, a video, a sound, or (null) a link.
 * @param {string} filename
 * @returns {'img' | 'video' | 'audio' | null}
 */
export function mediaKind(filename) {
  return VIDEO.test(filename) ? 'video' : AUDIO.test(filename) ? 'audio' : IMAGE.test(filename) ? 'img' : null;
}

/**
 * Where the runtime serves one output file of a session (its media route, which asks ComfyUI).
 * @param {string} api the REST API's root, e.g. "/api/agentx"
 * @param {string} sessionId
 * @param {MediaFile} f
 */
export function mediaUrl(api, sessionId, f) {
  const query = new URLSearchParams({ filename: f.filename, subfolder: f.subfolder, type: f.type });
  return `${api}/sessions/${sessionId}/media?${query}`;
}

// --- REST ---------------------------------------------------------------------------------------

/**
 * One call of the REST API: the JSON answer, or an Error with the runtime's message and the status.
 * @param {string} url
 * @param {string} method
 * @param {any} body sent as JSON unless undefined
 * @param {string | null | undefined} token the API token, when the runtime has one
 * @returns {Promise<any>}
 */
export async function requestJson(url, method, body, token) {
  /** @type {Record<string, string>} */
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = /** @type {Error & {status?: number}} */ (new Error((data && data.error) || res.status + ' ' + res.statusText));
    err.status = res.status;
    throw err;
  }
  return data;
}
