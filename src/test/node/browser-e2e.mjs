// End-to-end in headless Chromium against a running AgentX (started by BrowserE2ETest with a fake
// Claude). Env: BASE_URL, BRIDGE_SESSION_ID, ANSWER_BRIDGE, ANSWER_CHAT, ANSWER_STOP, ANSWER_RELOAD,
// TOKEN_BASE_URL + API_TOKEN + ANSWER_TOKEN (a second server that needs a token), ANSWER_APPROVED, ANSWER_DENIED,
// ANSWER_ELSEWHERE, DENY_REASON, ANSWER_IMAGE + IMAGE_BASE64 (a small PNG to attach), SCREENSHOT (png path),
// APPROVAL_SCREENSHOT (png of a pending approval card), CHROMIUM (default /usr/bin/chromium). Exit code 0 when every scenario passes.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`set ${name}`);
  return value;
};
const BASE_URL = env('BASE_URL');
const TIMEOUT = 20_000;

const browser = await chromium.launch({ executablePath: env('CHROMIUM', '/usr/bin/chromium'), args: ['--no-sandbox'] });
const context = await browser.newContext();
context.setDefaultTimeout(TIMEOUT);
let lastPage;
let passed = 0;

async function scenario(name, body) {
  const page = await context.newPage();
  lastPage = page;
  page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
  page.on('dialog', (d) => d.accept());
  await body(page);
  passed++;
  console.log(`ok - ${name}`);
}

/** The official bridge client (with sockjs-client), loaded into a page of the server's origin. */
async function bridgeTurn(page) {
  await page.goto(BASE_URL + '/health');
  await page.addScriptTag({ path: require.resolve('sockjs-client/dist/sockjs.min.js') });
  await page.addScriptTag({ path: require.resolve('@vertx/eventbus-bridge-client.js/vertx-eventbus.js') });
  const sessionId = env('BRIDGE_SESSION_ID');
  const { events, reply } = await page.evaluate(({ url, sessionId, timeout }) => new Promise((resolve, reject) => {
    const eb = new EventBus(url + '/eventbus');
    const events = [];
    let reply = null;
    const timer = setTimeout(() => reject(new Error('no turn event; got ' + JSON.stringify(events.map((e) => e.type)))), timeout);
    eb.onopen = () => {
      eb.registerHandler('agentx.events.' + sessionId, {}, (err, msg) => {
        if (err) return reject(new Error('register failed: ' + JSON.stringify(err)));
        events.push(msg.body);
        if (msg.body.type === 'turn') {
          clearTimeout(timer);
          eb.close();
          resolve({ events, reply });
        }
      });
      eb.send('agentx.client.send', { session_id: sessionId, content: 'Hello over the bridge' }, {}, (err, msg) => {
        if (err) return reject(new Error('send failed: ' + JSON.stringify(err)));
        reply = msg.body;
      });
    };
  }), { url: BASE_URL, sessionId, timeout: TIMEOUT });

  const types = new Set(events.map((e) => e.type));
  for (const t of ['stream', 'state', 'message', 'turn']) assert.ok(types.has(t), `a ${t} event arrived`);
  const tokens = events.filter((e) => e.type === 'stream').map((e) => e.data);
  assert.ok(tokens.length > 1, 'the answer came as several tokens');
  assert.equal(tokens.join(''), env('ANSWER_BRIDGE'));
  assert.ok(reply && reply.turn_id, 'agentx.client.send replied with the turn id');
  assert.equal(events.at(-1).turn_id, reply.turn_id);
  assert.equal(events.at(-1).data.status, 'completed');
}

// --- chat page helpers ---

async function newSession(page, title) {
  await page.fill('#new-session-title', title);
  await page.click('#new-session');
  await page.waitForFunction((t) => document.querySelector('#session-title').textContent === t, title);
  await page.waitForFunction(() => document.querySelector('#connection').textContent === 'live');
}

async function send(page, text) {
  await page.fill('#message-input', text);
  await page.press('#message-input', 'Enter');
}

const turnEnded = (page, status) =>
  page.waitForFunction((s) => document.querySelector('#turn-summary').dataset.status === s, status);
const assistantTexts = (page) =>
  page.$$eval('[data-testid=message][data-role=assistant] .text', (els) => els.map((e) => e.textContent));
const draftText = (page) => page.$eval('#draft', (d) => d.textContent);
const firstToken = (page) => page.waitForFunction(() => document.querySelector('#draft').textContent.length > 0);

/** Gives the session titled `title` the test workflow: PUT /workflow from the page, with the API token when one is given. */
async function putWorkflow(page, title, token) {
  const status = await page.evaluate(async ({ workflow, title, token }) => {
    const auth = token ? { Authorization: 'Bearer ' + token } : {};
    const list = await (await fetch('/api/agentx/sessions?limit=100', { headers: auth })).json();
    const id = list.sessions.find((s) => s.title === title).session_id;
    const r = await fetch(`/api/agentx/sessions/${id}/workflow`, {
      method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ workflow: JSON.parse(workflow), description: 'from the browser test' }) });
    return r.status;
  }, { workflow: env('WORKFLOW_JSON'), title, token });
  assert.equal(status, 200, `the session "${title}" got a workflow`);
}

// --- approval helpers ---

const sessionIdOf = (page) => page.evaluate(() => decodeURIComponent(location.hash.slice(1)));

/** Sets the open session's tool_approval policy (PATCH /sessions/{id} config). */
async function requireApproval(page, policy) {
  const id = await sessionIdOf(page);
  const status = await page.evaluate(async ({ id, policy }) => (await fetch(`/api/agentx/sessions/${id}`, {
    method: 'PATCH', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ config: { tool_approval: policy } }) })).status, { id, policy });
  assert.equal(status, 200, 'the session got its tool_approval policy');
  return id;
}

const approvalCard = (page, callId) => page.locator(`[data-testid=approval][data-call-id="${callId}"]`);
const cardState = (page, callId) => approvalCard(page, callId).getAttribute('data-state');
const cardSettled = (page, callId, state) => page.waitForFunction(({ callId, state }) =>
  document.querySelector(`[data-testid=approval][data-call-id="${callId}"]`)?.dataset.state === state, { callId, state });

/** The card is there with its buttons, and the status line says the turn waits for it. */
async function assertPending(page, callId, toolName) {
  const card = approvalCard(page, callId);
  await card.waitFor();
  assert.equal(await cardState(page, callId), 'pending');
  assert.match(await card.locator('.approval-title').textContent(), new RegExp(`Claude wants to run ${toolName}$`));
  assert.equal(await card.getByTestId('approval-approve').isEnabled(), true);
  assert.equal(await card.getByTestId('approval-deny').isEnabled(), true);
  await page.waitForFunction(() => document.querySelector('#state').dataset.state === 'awaiting_approval');
  assert.equal(await page.textContent('#state'), 'waiting for your approval');
  assert.equal(await page.isEnabled('#stop'), true, 'a waiting turn can be stopped');
  assert.equal(await page.locator('[data-testid=approval]').count(), 1, 'one card per call');
}

function countOccurrences(haystack, needle) {
  return haystack.split(needle).length - 1;
}

try {
  await scenario('the official bridge client registers, sends and receives the turn events whose tokens spell the answer', bridgeTurn);

  await scenario('the chat page creates a session, sends with Enter and shows the streamed answer and the turn summary', async (page) => {
    await page.goto(BASE_URL + '/');
    assert.equal(await page.isHidden('#token-form'), true, 'no token prompt on a server without a token');
    assert.equal(await page.isHidden('#error'), true);
    await newSession(page, 'E2E chat');
    await page.focus('#message-input');
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    assert.equal(await page.inputValue('#message-input'), 'line one\nline two', 'Shift+Enter adds a line, sends nothing');
    await page.fill('#message-input', '');
    await send(page, 'Hello page');
    await turnEnded(page, 'completed');
    assert.deepEqual(await assistantTexts(page), [env('ANSWER_CHAT')]);
    assert.deepEqual(await page.$$eval('[data-role=user] .text', (els) => els.map((e) => e.textContent)), ['Hello page']);
    const summary = await page.textContent('#turn-summary');
    assert.match(summary, /completed · \d+\.\d s · \d+ tokens .* · \$\d+\.\d{4}/);
    assert.equal(await page.getAttribute('#state', 'data-state'), 'done');
    assert.equal(await page.textContent('#workflow'), 'No workflow yet.');

    // the session is in the list; a throwaway one can be deleted from it
    await newSession(page, 'E2E throwaway');
    const item = page.locator('[data-testid=session-item]', { hasText: 'E2E throwaway' });
    await item.locator('[data-testid=session-delete]').click();
    await item.waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-testid=session-item]', { hasText: 'E2E chat' }).count(), 1);
  });

  await scenario('Stop cancels a slow turn and the page shows it cancelled', async (page) => {
    await page.goto(BASE_URL + '/');
    await newSession(page, 'E2E stop');
    await send(page, 'Count slowly');
    await firstToken(page);
    assert.equal(await page.isEnabled('#stop'), true, 'Stop is enabled while the turn runs');
    await page.click('#stop');
    await turnEnded(page, 'cancelled');
    assert.equal(await page.getAttribute('#state', 'data-state'), 'cancelled');
    assert.equal(await page.isEnabled('#stop'), false, 'Stop is disabled once the turn ended');
    const shown = (await assistantTexts(page)).join('');
    const full = env('ANSWER_STOP');
    assert.ok(shown.length > 0 && shown.length < full.length && full.startsWith(shown), `partial answer kept: "${shown}"`);
  });

  await scenario('a reload in the middle of a turn resumes: every token once, none lost', async (page) => {
    const full = env('ANSWER_RELOAD');
    await page.goto(BASE_URL + '/');
    await newSession(page, 'E2E reload');
    await send(page, 'Tell me slowly');
    await firstToken(page);
    const before = await draftText(page);
    assert.ok(before.length < full.length, 'reloading before the end of the answer');
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#draft').textContent.length > 0
      || document.querySelector('#turn-summary').dataset.status === 'completed');
    const after = await draftText(page);
    if (after) {
      console.log(`  reload: draft "${before}" before, "${after}" after`);
      assert.ok(after.startsWith(before), `the replayed draft "${after}" keeps the tokens seen before the reload "${before}"`);
      assert.ok(full.startsWith(after), `the replayed draft "${after}" has no duplicate tokens`);
    }
    else console.log('  reload: the turn had ended before the page was back');
    await turnEnded(page, 'completed');
    assert.equal(await page.textContent('#session-title'), 'E2E reload', 'the reload came back to its session');
    assert.deepEqual(await assistantTexts(page), [full]);
    assert.equal(countOccurrences(await page.innerText('#conversation'), full), 1);
    assert.equal(await page.isHidden('#draft'), true);
  });

  await scenario('a new tab opens a session at its last turn\'s end: the log before it is not replayed, the conversation and summary are shown', async (page) => {
    await page.goto(BASE_URL + '/');
    const id = await page.locator('[data-testid=session-item]', { hasText: 'E2E reload' }).getAttribute('data-session-id');
    const log = await page.evaluate(async (id) => (await (await fetch(`/api/agentx/sessions/${id}/events?after=0&limit=5000`)).json()).events, id);
    const lastTurn = log.filter((e) => e.type === 'turn').at(-1);
    assert.ok(lastTurn && lastTurn.seq > 1, 'the session has an ended turn');
    const tab = await context.newPage();
    lastPage = tab;
    const sockets = [];
    tab.on('websocket', (ws) => sockets.push(ws.url()));
    await tab.goto(BASE_URL + '/#' + id);
    await tab.waitForFunction(() => document.querySelector('#turn-summary').dataset.status === 'completed');
    assert.equal(sockets.length, 1);
    assert.equal(new URL(sockets[0]).searchParams.get('after'), String(lastTurn.seq - 1),
      'the socket asks for the last turn event on, not the whole log');
    assert.deepEqual(await assistantTexts(tab), [env('ANSWER_RELOAD')], 'the stored answer is shown once');
    assert.equal(await tab.isHidden('#draft'), true);
    await tab.close();
  });

  await scenario('on a server with an API token the page asks for it, keeps it in the tab and uses it for REST, the WebSocket and a run\'s output image', async (page) => {
    await page.goto(env('TOKEN_BASE_URL') + '/');
    await page.locator('#token-form').waitFor({ state: 'visible' });
    await page.fill('#token-input', 'wrong-token');
    await page.click('#token-save');
    await page.locator('#token-form').waitFor({ state: 'visible' });
    await page.fill('#token-input', env('API_TOKEN'));
    await page.click('#token-save');
    await page.locator('#token-form').waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('agentx.token')), env('API_TOKEN'));
    await newSession(page, 'E2E token');
    await putWorkflow(page, 'E2E token', env('API_TOKEN'));
    await send(page, 'Hello with a token');
    await turnEnded(page, 'completed');
    assert.deepEqual((await assistantTexts(page)).filter((t) => t), ['Running it.', env('ANSWER_TOKEN')]);
    // the media route wants the token, which an <img src> cannot send: the page fetched the bytes with it
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tool-call] .media img')]
      .some((img) => img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:') && /\.png$/.test(img.alt)));
  });

  await scenario('tool calls: ComfyUI progress shows while run_workflow runs; each call shows its arguments and result, a failed one its error', async (page) => {
    await page.goto(BASE_URL + '/');
    await newSession(page, 'E2E tools');
    await putWorkflow(page, 'E2E tools');
    await send(page, 'Run my workflow');
    // the state line follows ComfyUI's progress while the tool runs
    await page.waitForFunction(() => /running tool run_workflow — ComfyUI \d+\/\d+/.test(document.querySelector('#state').textContent));
    console.log(`  progress seen: "${await page.textContent('#state')}"`);
    await turnEnded(page, 'completed');

    const calls = await page.$$eval('[data-testid=tool-call]', (boxes) => boxes.map((b) => ({
      name: b.querySelector('summary').textContent,
      args: b.querySelector('.tool-args').textContent,
      result: b.querySelector('.tool-result').textContent,
      failed: b.classList.contains('failed'),
    })));
    const run = calls.find((c) => c.name === 'Tool: run_workflow');
    const bad = calls.find((c) => c.name === 'Tool: no_such_tool');
    assert.ok(run, `run_workflow is shown: ${JSON.stringify(calls)}`);
    assert.ok(bad, `no_such_tool is shown: ${JSON.stringify(calls)}`);
    assert.match(run.args, /"wait": true/);
    assert.match(run.result, /prompt_id/);
    assert.match(run.result, /success/);
    assert.equal(run.failed, false);
    assert.equal(bad.failed, true, 'the unknown tool is marked as failed');
    assert.match(bad.result, /^Error: /);
    assert.match(bad.args, /to see an error/);
    assert.deepEqual((await assistantTexts(page)).filter((t) => t), ['Let me run it.', env('ANSWER_TOOLS')]);
    // the run's output image is shown, loaded through the runtime's media route
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tool-call] .media img')]
      .some((img) => img.complete && img.naturalWidth > 0 && /\.png$/.test(img.alt)));
    assert.ok(await page.locator('[data-testid=tool-call] .media img').first().isVisible(), 'the image shows with the call\'s details closed');
    // the workflow panel follows the session's workflow events
    assert.match(await page.textContent('#workflow'), /Version 1 \(your upload\)/);
    await page.$$eval('[data-testid=tool-call] details', (boxes) => boxes.forEach((b) => { b.open = true; }));
  });

  await scenario('approval: the card shows the tool and its input, comes back after a reload, refuses input that is not JSON, and Approve runs the tool once', async (page) => {
    await page.goto(BASE_URL + '/');
    await newSession(page, 'E2E approve');
    await requireApproval(page, { get_queue: 'ask' });
    await send(page, 'What is queued?');
    await assertPending(page, 'toolu_approve', 'get_queue');
    const card = approvalCard(page, 'toolu_approve');
    assert.equal(await card.getByTestId('approval-input').inputValue(), '{}');
    assert.equal(await card.getByTestId('approval-outcome').isHidden(), true);

    await page.reload();
    await page.waitForFunction(() => document.querySelector('#connection').textContent === 'live');
    await assertPending(page, 'toolu_approve', 'get_queue');

    await card.getByTestId('approval-input').fill('{"limit": ');
    await card.getByTestId('approval-approve').click();
    assert.match(await card.getByTestId('approval-error').textContent(), /^The input is not valid JSON/);
    assert.equal(await cardState(page, 'toolu_approve'), 'pending', 'nothing was sent');
    await card.getByTestId('approval-input').fill('{}');
    await card.getByTestId('approval-approve').click();
    await cardSettled(page, 'toolu_approve', 'approved');
    assert.equal(await card.getByTestId('approval-outcome').textContent(), 'Approved');
    assert.equal(await card.getByTestId('approval-approve').count(), 0, 'the outcome replaced the buttons');
    assert.equal(await card.getByTestId('approval-error').isHidden(), true);
    await turnEnded(page, 'completed');
    assert.ok((await assistantTexts(page)).includes(env('ANSWER_APPROVED')));
    const result = await page.$eval('[data-testid=tool-call][data-call-id=toolu_approve]', (b) => ({
      failed: b.classList.contains('failed'), result: b.querySelector('.tool-result').textContent }));
    assert.equal(result.failed, false, `the tool ran: ${result.result}`);
  });

  await scenario('approval: Deny with a reason; the card keeps the outcome and Claude goes on', async (page) => {
    await page.goto(BASE_URL + '/');
    await newSession(page, 'E2E deny');
    await requireApproval(page, { run_workflow: 'ask' });
    await send(page, 'Run my workflow, please');
    await assertPending(page, 'toolu_deny', 'run_workflow');
    const card = approvalCard(page, 'toolu_deny');
    assert.equal(JSON.parse(await card.getByTestId('approval-input').inputValue()).wait, true, 'the input Claude gave');
    await card.getByTestId('approval-reason').fill(env('DENY_REASON'));
    const shot = env('APPROVAL_SCREENSHOT', '');
    if (shot) {
      await card.getByTestId('approval-reason').blur();
      await page.screenshot({ path: shot });
      console.log(`approval screenshot: ${shot}`);
    }
    await card.getByTestId('approval-deny').click();
    await cardSettled(page, 'toolu_deny', 'denied');
    assert.equal(await card.getByTestId('approval-outcome').textContent(), 'Denied: ' + env('DENY_REASON'));
    await turnEnded(page, 'completed');
    assert.ok((await assistantTexts(page)).includes(env('ANSWER_DENIED')));
  });

  await scenario('approval: an answer from another client settles the card without a click', async (page) => {
    await page.goto(BASE_URL + '/');
    await newSession(page, 'E2E elsewhere');
    const id = await requireApproval(page, { '*': 'ask' });
    await send(page, 'Look at the queue');
    await assertPending(page, 'toolu_elsewhere', 'get_queue');
    // the same answer over REST, as another tab or a script would send it
    const answered = await page.evaluate(async (id) => (await fetch(`/api/agentx/sessions/${id}/approvals/toolu_elsewhere`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ decision: 'deny', reason: 'answered elsewhere' }) })).status, id);
    assert.equal(answered, 200);
    await cardSettled(page, 'toolu_elsewhere', 'denied');
    assert.equal(await approvalCard(page, 'toolu_elsewhere').getByTestId('approval-outcome').textContent(), 'Denied: answered elsewhere');
    await turnEnded(page, 'completed');
    assert.ok((await assistantTexts(page)).includes(env('ANSWER_ELSEWHERE')));
    // nothing waits any more
    const pending = await page.evaluate(async (id) => (await (await fetch(`/api/agentx/sessions/${id}/approvals`)).json()).approvals, id);
    assert.deepEqual(pending, []);
  });

  await scenario('approval: Stop on a turn that waits cancels it and the card says so', async (page) => {
    await page.goto(BASE_URL + '/');
    await newSession(page, 'E2E stop waiting');
    await requireApproval(page, { get_queue: 'ask' });
    await send(page, 'Queue?');
    await assertPending(page, 'toolu_stop', 'get_queue');
    await page.click('#stop');
    await cardSettled(page, 'toolu_stop', 'cancelled');
    await turnEnded(page, 'cancelled');
    assert.equal(await approvalCard(page, 'toolu_stop').getByTestId('approval-approve').count(), 0);
  });

  await scenario('a long session list shows its first 100, and "More sessions" the rest, each once', async (page) => {
    await page.goto(BASE_URL + '/');
    const before = await page.evaluate(async () => (await (await fetch('/api/agentx/sessions?limit=1')).json()).total);
    const made = await page.evaluate(async (n) => {
      const ids = [];
      for (let i = 0; i < n; i++) {
        const r = await fetch('/api/agentx/sessions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ title: 'E2E bulk ' + i }) });
        ids.push((await r.json()).session_id);
      }
      return ids;
    }, 101);
    const total = before + made.length;
    await page.reload();
    const items = page.locator('[data-testid=session-item]');
    await items.first().waitFor();
    assert.equal(await items.count(), 100, 'the first page');
    assert.equal(await page.textContent('[data-testid=more-sessions]'), `More sessions (${total - 100})`);
    await page.click('[data-testid=more-sessions]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=session-item]').length === n, total);
    assert.equal(await page.isHidden('[data-testid=more-sessions]'), true, 'nothing more to load');
    const ids = await items.evaluateAll((lis) => lis.map((li) => li.dataset.sessionId));
    assert.equal(new Set(ids).size, total, 'each session listed once');
    assert.ok(made.every((id) => ids.includes(id)));
    await page.evaluate(async (ids) => {
      for (const id of ids) await fetch('/api/agentx/sessions/' + id, { method: 'DELETE' });
    }, made);
  });

  await scenario('attach image: another type or a file over 5 MB is refused with a sentence, a PNG shows as a thumbnail (× removes one), goes with the message and stays in the conversation after a reload; a message over the body limit gets the 413 sentence', async (page) => {
    const png = Buffer.from(env('IMAGE_BASE64'), 'base64');
    const attachments = () => page.locator('[data-testid=attachment]');
    await page.goto(BASE_URL + '/');
    await newSession(page, 'E2E image');
    const sent = await page.evaluate(() => {
      // every request the page makes from here on, to show that a refused file sends nothing
      const seen = [];
      const fetch0 = window.fetch;
      window.fetch = (url, init) => { if (init && init.method === 'POST') seen.push(String(url)); return fetch0(url, init); };
      const send0 = WebSocket.prototype.send;
      WebSocket.prototype.send = function (data) { seen.push(String(data).slice(0, 40)); return send0.call(this, data); };
      window.__sent = seen;
      return seen.length;
    });
    assert.equal(sent, 0);

    await page.setInputFiles('#attach-input', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.locator('#error').waitFor({ state: 'visible' });
    assert.equal(await page.textContent('#error'), 'notes.txt is not a PNG, JPEG, GIF or WebP image (it is text/plain); it was not attached.');
    await page.setInputFiles('#attach-input', { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
    await page.waitForFunction(() => document.querySelector('#error').textContent.startsWith('huge.png'));
    assert.equal(await page.textContent('#error'), 'huge.png is 5.0 MB; an image may be at most 5 MB. It was not attached.');
    assert.equal(await attachments().count(), 0, 'nothing was attached');
    await page.press('#message-input', 'Enter');
    assert.deepEqual(await page.evaluate(() => window.__sent), [], 'nothing was sent');

    await page.setInputFiles('#attach-input', [
      { name: 'dot.png', mimeType: 'image/png', buffer: png },
      { name: 'second.png', mimeType: 'image/png', buffer: png },
    ]);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=attachment]').length === 2);
    assert.equal(await page.isHidden('#error'), true, 'a good file clears the sentence');
    await page.click('[aria-label="Remove second.png"]');
    assert.equal(await attachments().count(), 1);
    assert.equal(await attachments().locator('img').getAttribute('alt'), 'dot.png');

    await send(page, 'What is in this picture?');
    await turnEnded(page, 'completed');
    assert.equal(await attachments().count(), 0, 'sent: the composer is empty again');
    assert.equal(await page.inputValue('#message-input'), '');
    const shown = async () => page.$$eval('[data-role=user]', (items) => items.map((li) => ({
      text: li.querySelector('.text').textContent,
      images: [...li.querySelectorAll('[data-testid=attached-image]')].map((img) => ({ src: img.src, width: img.naturalWidth })),
    })));
    const expected = [{ text: 'What is in this picture?', images: [{ src: 'data:image/png;base64,' + env('IMAGE_BASE64'), width: 4 }] }];
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=attached-image]')].every((i) => i.complete));
    assert.deepEqual(await shown(), expected, 'the message shows its text and the thumbnail');
    assert.deepEqual(await assistantTexts(page), [env('ANSWER_IMAGE')]);

    await page.reload();
    await page.waitForFunction(() => document.querySelector('#connection').textContent === 'live');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=attached-image]')].some((i) => i.complete && i.naturalWidth > 0));
    assert.deepEqual(await shown(), expected, 'after a reload the stored message shows the thumbnail again');

    // 1.2 MB of image bytes is under 5 MB but over the server's 1 MiB body limit: the server answers 413
    await page.setInputFiles('#attach-input', { name: 'large.png', mimeType: 'image/png', buffer: Buffer.alloc(1200 * 1024, 7) });
    await attachments().first().waitFor();
    await send(page, 'And this one?');
    await page.waitForFunction(() => document.querySelector('#error').textContent.includes('413'));
    assert.match(await page.textContent('#error'),
      /^The runtime refused the message as too large \(413: .+\)\. An image may be at most 5 MB, and the whole message must fit in the runtime's request limit \(AGENTX_MAX_BODY_BYTES/);
    assert.equal(await attachments().count(), 1, 'the refused image stays attached, to be removed');
    assert.equal(await page.inputValue('#message-input'), 'And this one?', 'the text is kept');
    assert.equal(await page.locator('[data-role=user]').count(), 1, 'no second message');
  });

  const shot = env('SCREENSHOT', 'browser-e2e.png');
  await lastPage.screenshot({ path: shot, fullPage: true });
  console.log(`screenshot: ${shot}`);
  console.log(`${passed} scenarios passed`);
} catch (e) {
  console.log(`not ok - after ${passed} passed scenario(s): ${e.stack || e}`);
  if (lastPage) {
    const shot = env('SCREENSHOT', 'browser-e2e.png');
    await lastPage.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.log(`screenshot: ${shot}`);
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}
