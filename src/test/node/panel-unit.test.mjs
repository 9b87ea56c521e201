// Pure parts of the ComfyUI panel and of agentx-common.js, which the panel shares with the chat page
// (no browser needed): the workflow diff, where new nodes go, how events are applied, the state line,
// which files of a tool result are shown as media, the answer an approval card sends and its outcome,
// attached images. Run by ComfyExtensionTypecheckTest (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffWorkflows, placeNewNodes } from '../../main/resources/webroot/comfyui/agentx-panel.js';
import {
  applyEvent, approvalAnswer, approvalOutcome, attachedImageUrls, attachmentProblem, latestMessages, mediaFiles, mediaKind, mediaUrl,
  messageContent, moreSessions, resumeAfter, sendFailure, SESSION_PAGE, stateText,
} from '../../main/resources/webroot/agentx-common.js';

const wf = () => ({
  4: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'a.safetensors' } },
  8: { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
});

test('diff: links compare by value whatever the id type, titles are ignored', () => {
  const shown = wf();
  const next = wf();
  next[8].inputs.samples = [3, 0];
  next[4]._meta = { title: 'Loader' };
  assert.equal(diffWorkflows(shown, next).empty, true);
});

test('diff: added, removed and changed nodes', () => {
  const next = wf();
  delete next[4];
  next[8].inputs.vae = ['9', 0];
  next[10] = { class_type: 'PreviewImage', inputs: { images: ['8', 0] } };
  assert.deepEqual(diffWorkflows(wf(), next), { added: ['10'], removed: ['4'], changed: ['8'], empty: false });
});

test('placement: right of the source node, moved down past any node it would cover', () => {
  const existing = [
    { id: 8, pos: [1200, 180], size: [210, 46] },
    { id: 9, pos: [1450, 180], size: [210, 270] }, // right where the new node would go
  ];
  const next = { 8: { class_type: 'VAEDecode' }, 9: { class_type: 'SaveImage' }, 10: { class_type: 'PreviewImage', inputs: { images: ['8', 0] } } };
  const [x, y] = placeNewNodes(existing, ['10'], next).get('10');
  assert.equal(x, 1200 + 210 + 40);
  assert.ok(y >= 180 + 270, `below SaveImage, got y=${y}`);
});

test('placement: a chain of new nodes follows its own order; a node feeding an existing one goes left of it', () => {
  const existing = [{ id: 3, pos: [800, 200], size: [300, 260] }];
  const next = {
    3: { class_type: 'KSampler', inputs: { model: ['21', 0] } },
    20: { class_type: 'UNETLoader', inputs: {} },
    21: { class_type: 'LoraLoaderModelOnly', inputs: { model: ['20', 0] } },
  };
  const placed = placeNewNodes(existing, ['21', '20'], next);
  const [x20] = placed.get('20');
  const [x21] = placed.get('21');
  assert.ok(x21 > x20, 'the LoRA loader is right of the UNET loader it takes the model from');
});

test('media: run_workflow outputs and the get_output_images listing', () => {
  assert.deepEqual(mediaFiles({ name: 'run_workflow', result: { status: 'success', outputs: [
    { node_id: '9', kind: 'images', filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' },
    { node_id: '12', kind: 'gifs', filename: 'clip.mp4', subfolder: 'video', type: 'output' }] } }),
  [{ filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' }, { filename: 'clip.mp4', subfolder: 'video', type: 'output' }]);
  assert.deepEqual(mediaFiles({ name: 'get_output_images', result: 'Images of prompt p:\n1. ComfyUI_00002_.png (output, node 9) - 64x48\n2. sub/x.webp (temp, node 10)' }),
    [{ filename: 'ComfyUI_00002_.png', subfolder: '', type: 'output' }, { filename: 'x.webp', subfolder: 'sub', type: 'temp' }]);
  assert.deepEqual(mediaFiles({ name: 'get_workflow', result: { version: 1 } }), []);
});

test('approval answer: unchanged input is not sent; a reason is trimmed', () => {
  const form = { text: '{\n  "wait": true\n}', originalText: '{\n  "wait": true\n}', original: { wait: true }, reason: '  later ' };
  assert.deepEqual(approvalAnswer('toolu_1', 'approve', form), { answer: { tool_call_id: 'toolu_1', decision: 'approve', reason: 'later' } });
  assert.deepEqual(approvalAnswer('toolu_1', 'approve', { ...form, text: '{"wait":true}', reason: '' }),
    { answer: { tool_call_id: 'toolu_1', decision: 'approve' } }, 'reformatted but the same object');
});

test('approval answer: an edited object goes with approve only; text that is not a JSON object is refused', () => {
  const form = { text: '{"wait": false}', originalText: '{}', original: {}, reason: '' };
  assert.deepEqual(approvalAnswer('toolu_2', 'approve', form).answer.input, { wait: false });
  assert.equal(approvalAnswer('toolu_2', 'deny', form).answer.input, undefined);
  assert.match(approvalAnswer('toolu_2', 'approve', { ...form, text: '{"wait": ' }).error, /^The input is not valid JSON/);
  assert.match(approvalAnswer('toolu_2', 'approve', { ...form, text: '[1]' }).error, /JSON object/);
  assert.equal(approvalAnswer('toolu_2', 'deny', { ...form, text: '{"wait": ' }).error, undefined, 'a deny ignores the input');
});

test('attachments: the four image types up to 5 MB are taken; another type or a bigger file is refused with a sentence', () => {
  assert.equal(attachmentProblem({ name: 'cat.png', type: 'image/png', size: 5 * 1024 * 1024 }, 0), null);
  assert.equal(attachmentProblem({ name: 'cat.webp', type: 'image/webp', size: 10 }, 18), null);
  assert.match(attachmentProblem({ name: 'notes.txt', type: 'text/plain', size: 10 }, 0),
    /^notes\.txt is not a PNG, JPEG, GIF or WebP image \(it is text\/plain\); it was not attached\.$/);
  assert.match(attachmentProblem({ name: 'scan.tiff', type: '', size: 10 }, 0), /^scan\.tiff is not a PNG, JPEG, GIF or WebP image; /);
  assert.match(attachmentProblem({ name: 'big.jpg', type: 'image/jpeg', size: 6 * 1024 * 1024 }, 0), /^big\.jpg is 6\.0 MB; an image may be at most 5 MB\./);
  assert.match(attachmentProblem({ name: 'one-more.gif', type: 'image/gif', size: 10 }, 19), /at most 19 images/);
});

test('attachments: text alone stays a string; with images the content is blocks, text first; the images of stored blocks become data URLs', () => {
  assert.equal(messageContent('hello', []), 'hello');
  const image = { mediaType: 'image/png', data: 'iVBORw0KGgo=' };
  assert.deepEqual(messageContent('look', [image]), [
    { type: 'text', text: 'look' },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
  ]);
  assert.deepEqual(messageContent('', [image]).map((b) => b.type), ['image']);
  const blocks = [...messageContent('look', [image]), { type: 'text', text: '(Attached image 1 is in ComfyUI\'s input folder)' },
    { type: 'image', source: { type: 'base64', media_type: 'image/svg+xml', data: 'PHN2Zz4=' } },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'x" onerror="alert(1)' } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }];
  assert.deepEqual(attachedImageUrls(blocks), ['data:image/png;base64,iVBORw0KGgo=']);
  assert.deepEqual(attachedImageUrls(undefined), []);
});

test('attachments: a 413 says the message is too large and what the limits are', () => {
  const sentence = sendFailure(413, 'Request Entity Too Large');
  assert.match(sentence, /^The runtime refused the message as too large \(413: Request Entity Too Large\)\./);
  assert.match(sentence, /at most 5 MB/);
  assert.match(sentence, /AGENTX_MAX_BODY_BYTES/);
  assert.match(sendFailure(413, 'The request body is larger than the server accepts.'),
    /\(413: The request body is larger than the server accepts\)\. An image/);
  assert.equal(sendFailure(409, 'busy'), 'The message was not sent: busy');
});

/** A view that records what applyEvent asked of it, as 'method arg…' lines. */
function recordingView() {
  const calls = [];
  const record = (name) => (...args) => calls.push([name, ...args.map((a) => (typeof a === 'object' ? JSON.stringify(a) : String(a)))].join(' '));
  const view = {};
  for (const name of ['appendDraft', 'clearDraft', 'keepPartialDraft', 'showState', 'setRunning', 'showApproval', 'settleApprovals',
    'renderMessage', 'showSummary', 'showWorkflow']) view[name] = record(name);
  return { view, calls };
}

test('events: each applied once, in seq order; a replay overlapping the live tail is skipped', () => {
  const { view, calls } = recordingView();
  const s = { id: 's1', lastSeq: 0 };
  const token = (seq, text) => ({ type: 'stream', session_id: 's1', turn_id: 't1', seq, data: text, kind: 'text' });
  assert.equal(applyEvent(view, s, token(1, 'Hel')), true);
  assert.equal(applyEvent(view, s, token(2, 'lo')), true);
  assert.equal(applyEvent(view, s, token(2, 'lo')), false);
  assert.equal(applyEvent(view, s, token(1, 'Hel')), false);
  assert.equal(applyEvent(view, s, { type: 'stream', seq: 3, data: 'hmm', kind: 'thinking' }), true);
  assert.equal(s.lastSeq, 3);
  assert.deepEqual(calls, ['appendDraft Hel', 'appendDraft lo']);
});

test('events: a turn\'s end keeps a partial answer, settles its approvals, stops and shows its summary', () => {
  const { view, calls } = recordingView();
  const s = { id: 's1', lastSeq: 4 };
  applyEvent(view, s, { type: 'turn', turn_id: 't1', seq: 5, data: { status: 'cancelled', user_message_id: 'm1' } });
  assert.deepEqual(calls, ['keepPartialDraft', 'settleApprovals t1 {"state":"ended","progress":{"reason":"the turn ended (cancelled)"}}',
    'setRunning false', 'showSummary {"status":"cancelled","user_message_id":"m1"}']);
});

test('events: a queued turn closed before it started leaves the running turn alone', () => {
  const { view, calls } = recordingView();
  applyEvent(view, { id: 's1', lastSeq: 0 }, { type: 'turn', turn_id: 't2', seq: 9, data: { status: 'cancelled' } });
  assert.deepEqual(calls, ['showSummary {"status":"cancelled"}']);
});

test('events: an answer settles approvals, a resume drops the streamed text, the stored answer replaces it', () => {
  const { view, calls } = recordingView();
  const s = { id: 's1', lastSeq: 0 };
  applyEvent(view, s, { type: 'state', turn_id: 't1', seq: 1, data: { state: 'denied', tool_call_id: 'c1' } });
  applyEvent(view, s, { type: 'state', turn_id: 't1', seq: 2, data: { state: 'resumed' } });
  applyEvent(view, s, { type: 'message', turn_id: 't1', seq: 3, data: { role: 'assistant', content: 'Done.' } });
  assert.deepEqual(calls, ['showState {"state":"denied","tool_call_id":"c1"}', 'setRunning true',
    'settleApprovals t1 {"state":"denied","tool_call_id":"c1"}', 'showState {"state":"resumed"}', 'setRunning true', 'clearDraft',
    'renderMessage {"role":"assistant","content":"Done."}', 'clearDraft']);
});

test('state line: ComfyUI progress while a tool runs a workflow, retries with their delay, a warning with its sentence', () => {
  assert.deepEqual(stateText({ state: 'calling_tool', tool_name: 'run_workflow', progress: { value: 3, max: 20, node: '3' } }),
    { text: 'running tool run_workflow — ComfyUI 3/20 (node 3)', progress: { value: 3, max: 20 } });
  assert.deepEqual(stateText({ state: 'retrying', progress: { attempt: 2, max: 5, delay_ms: 1500, reason: 'overloaded' } }),
    { text: 'retrying (attempt 2/5, in 1.5 s): overloaded', progress: null });
  assert.equal(stateText({ state: 'completed' }).text, 'completed');
  assert.equal(stateText({ state: 'warning', progress: { code: 'SERVICE_UNAVAILABLE', message: 'No tools are available for this turn.' } }).text,
    'warning: No tools are available for this turn.');
});

test('approval outcome: approved with an edit, denied with a reason, a stopped turn, an unanswered one', () => {
  assert.equal(approvalOutcome('approved', { input: { a: 1 } }), 'Approved with edited input');
  assert.equal(approvalOutcome('denied', { reason: 'not now' }), 'Denied: not now');
  assert.equal(approvalOutcome('cancelled', {}), 'Cancelled: the turn was stopped');
  assert.equal(approvalOutcome('ended', { reason: 'the turn ended (failed)' }), 'Not answered: the turn ended (failed)');
});

test('media: shown by extension, fetched through the session\'s media route', () => {
  assert.deepEqual(['a.PNG', 'b.webm', 'c.flac', 'd.txt'].map(mediaKind), ['img', 'video', 'audio', null]);
  assert.equal(mediaUrl('/api/agentx', 's1', { filename: 'a b.png', subfolder: 'x/y', type: 'output' }),
    '/api/agentx/sessions/s1/media?filename=a+b.png&subfolder=x%2Fy&type=output');
});

test('opening a session: its newest messages, then its events from its last turn\'s end', async () => {
  const asked = [];
  const messages = Array.from({ length: 2500 }, (_, i) => ({ message_id: 'm' + i }));
  const api = async (method, path) => {
    asked.push(method + ' ' + path);
    const url = new URL(path, 'http://x');
    const limit = Number(url.searchParams.get('limit'));
    const offset = Number(url.searchParams.get('offset') || 0);
    return { messages: messages.slice(offset, offset + limit), total: messages.length, offset, limit, last_turn_seq: 9001 };
  };
  const page = await latestMessages(api, 's1');
  assert.deepEqual(asked, ['GET /sessions/s1/messages?limit=1000', 'GET /sessions/s1/messages?limit=1000&offset=1500']);
  assert.equal(page.messages[0].message_id, 'm1500');
  assert.equal(page.messages.at(-1).message_id, 'm2499');
  asked.length = 0;
  messages.length = 3;
  assert.equal((await latestMessages(api, 's1')).messages.length, 3);
  assert.equal(asked.length, 1, 'one request when the first page holds them all');
  assert.equal(resumeAfter({ last_turn_seq: 9001 }), 9000, 'the last turn event itself is replayed: its summary shows');
  assert.equal(resumeAfter({ last_turn_seq: 0 }), 0);
  assert.equal(resumeAfter({}), 0, 'a runtime without the field: the whole log, as before');
});

test('session list: pages of 100, none listed twice, how many remain', async () => {
  let sessions = Array.from({ length: 250 }, (_, i) => ({ session_id: 's' + i }));
  const api = async (method, path) => {
    const url = new URL(path, 'http://x');
    const limit = Number(url.searchParams.get('limit'));
    const offset = Number(url.searchParams.get('offset') || 0);
    return { sessions: sessions.slice(offset, offset + limit), total: sessions.length, offset, limit };
  };
  assert.equal(SESSION_PAGE, 100);
  const first = await moreSessions(api, []);
  assert.equal(first.sessions.length, 100);
  assert.equal(first.remaining, 150);
  const shown = first.sessions.map((s) => s.session_id);
  // s150 is updated meanwhile and moves to the top: every later one shifts down by one
  sessions = [sessions[150], ...sessions.filter((s) => s.session_id !== 's150')];
  const second = await moreSessions(api, shown);
  assert.equal(second.sessions[0].session_id, 's100', 's99, pushed onto this page, is not listed again');
  assert.ok(second.sessions.every((s) => !shown.includes(s.session_id)), 'none listed twice');
  assert.equal(second.remaining, 50);
  const all = [...shown, ...second.sessions.map((s) => s.session_id)];
  const third = await moreSessions(api, all);
  assert.equal(third.remaining, 0);
  assert.equal(new Set([...all, ...third.sessions.map((s) => s.session_id)]).size, 249, 's150, now at the top, is not listed by this tab until it reloads');
  // a session opened by its id sits in the list outside the pages: not counted in the offset, not listed twice
  const withOpened = await moreSessions(api, all, [...all, 's249']);
  assert.ok(!withOpened.sessions.some((s) => s.session_id === 's249'));
  assert.equal(withOpened.sessions[0].session_id, 's200', 'the offset counts the pages only (s199 was listed already)');
  assert.equal(withOpened.sessions.length, 49);
});
