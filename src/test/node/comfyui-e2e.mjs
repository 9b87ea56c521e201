// The AgentX panel inside a ComfyUI page, in headless Chromium (run by ComfyPanelBrowserTest).
// The page is the test frontend that FakeComfyUi serves the way ComfyUI does (/scripts/app.js,
// /api/extensions, /extensions/agentx/agentx.js as written by install-comfyui, @comfyorg/litegraph);
// the panel comes from the runtime at RUNTIME_URL, Claude is scripted by the Java test.
// Env: COMFY_URL, RUNTIME_URL, ANSWER_HELLO, ANSWER_STOP, ANSWER_RELOAD, ANSWER_ADDED, ANSWER_RAN,
// ANSWER_APPROVED, ANSWER_DENIED, DENY_REASON, ANSWER_ATTACHED + IMAGE_BASE64 (a small PNG to attach),
// SCENARIOS (comma-separated names to run; default all), SCREENSHOT, CHROMIUM.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`set ${name}`);
  return value;
};
const COMFY_URL = env('COMFY_URL');
const RUNTIME_URL = env('RUNTIME_URL');
const TIMEOUT = 20_000;
const wanted = new Set(env('SCENARIOS', 'tab,send,canvas-apply,stop,reload,add-node,attach,image,approve,deny,older').split(',').map((s) => s.trim()));

const browser = await chromium.launch({ executablePath: env('CHROMIUM', '/usr/bin/chromium'), args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
context.setDefaultTimeout(TIMEOUT);
const page = await context.newPage();
page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
page.on('console', (m) => { if (m.type() === 'error') console.log(`  [console] ${m.text()}`); });
let passed = 0;
let skipped = 0;

async function scenario(key, name, body) {
  if (!wanted.has(key)) {
    skipped++;
    console.log(`skip - ${name}`);
    return;
  }
  await body();
  passed++;
  console.log(`ok - ${name}`);
}

// --- helpers -------------------------------------------------------------------------------------

const panel = () => page.getByTestId('agentx-panel');
const messageBox = () => panel().getByRole('textbox', { name: 'Message' });
const sendButton = () => panel().getByRole('button', { name: 'Send', exact: true });
const stopButton = () => panel().getByRole('button', { name: 'Stop', exact: true });

async function openComfyUi() {
  await page.goto(COMFY_URL + '/');
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  const tab = page.locator('.agentx-tab-button');
  await tab.waitFor();
  if ((await tab.getAttribute('aria-pressed')) !== 'true') await tab.click();
  await panel().waitFor();
  // connected to its session, or no session yet
  await page.waitForFunction(() => document.querySelector('[data-testid=agentx-connection]')?.textContent === 'live'
    || document.querySelector('[data-testid=agentx-session-select]').options.length === 0);
}

async function newSession() {
  const before = await page.getByTestId('agentx-session-select').inputValue().catch(() => '');
  await panel().getByRole('button', { name: 'New session' }).click();
  await page.waitForFunction((b) => {
    const v = document.querySelector('[data-testid=agentx-session-select]').value;
    return v && v !== b && document.querySelector('[data-testid=agentx-connection]').textContent === 'live';
  }, before);
  return page.getByTestId('agentx-session-select').inputValue();
}

async function send(text) {
  await messageBox().fill(text);
  await sendButton().click();
}

const turnEnded = (status) => page.waitForFunction(
  (s) => document.querySelector('[data-testid=agentx-summary]').dataset.status === s, status);
const assistantTexts = () => page.$$eval('[data-testid=agentx-message][data-role=assistant] .agentx-text',
  (els) => els.map((e) => e.textContent.trim()).filter(Boolean));
const draftText = () => page.getByTestId('agentx-draft').textContent();
const canvasNodes = () => page.evaluate(() => window.app.graph.serialize().nodes
  .map((n) => ({ id: String(n.id), type: n.type, pos: [Math.round(n.pos[0]), Math.round(n.pos[1])], size: [Math.round(n.size[0]), Math.round(n.size[1])] })));
const api = (path, init) => page.evaluate(async ({ url, init }) => {
  const r = await fetch(url, init);
  return { status: r.status, body: await r.json().catch(() => null) };
}, { url: RUNTIME_URL + '/api/agentx' + path, init });

/** Sets a session's tool_approval policy (PATCH /sessions/{id} config). */
async function requireApproval(id, policy) {
  const r = await api(`/sessions/${id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ config: { tool_approval: policy } }) });
  assert.equal(r.status, 200, `the session got its tool_approval policy: ${JSON.stringify(r.body)}`);
}

const approvalCard = (callId) => panel().locator(`[data-testid=agentx-approval][data-call-id="${callId}"]`);
const cardSettled = (callId, state) => page.waitForFunction(({ callId, state }) =>
  document.querySelector(`[data-testid=agentx-approval][data-call-id="${callId}"]`)?.dataset.state === state, { callId, state });

/** The card is there with its buttons, and the state line says the turn waits for it. */
async function assertPending(callId, toolName) {
  const card = approvalCard(callId);
  await card.waitFor();
  assert.equal(await card.getAttribute('data-state'), 'pending');
  assert.match(await card.locator('.agentx-approval-title').textContent(), new RegExp(`Claude wants to run ${toolName}$`));
  assert.equal(await card.getByRole('button', { name: 'Approve' }).isEnabled(), true);
  assert.equal(await card.getByRole('button', { name: 'Deny' }).isEnabled(), true);
  await page.waitForFunction(() => document.querySelector('[data-testid=agentx-state]').dataset.state === 'awaiting_approval');
  assert.equal(await page.getByTestId('agentx-state').textContent(), 'waiting for your approval');
  assert.equal(await stopButton().isEnabled(), true, 'a waiting turn can be stopped');
  assert.equal(await panel().locator('[data-testid=agentx-approval]').count(), 1, 'one card per call');
  return card;
}

function assertUnmoved(before, after) {
  for (const node of before) {
    const now = after.find((n) => n.id === node.id);
    assert.ok(now, `node ${node.id} (${node.type}) is still on the canvas`);
    assert.deepEqual(now.pos, node.pos, `node ${node.id} (${node.type}) kept its position`);
    assert.deepEqual(now.size, node.size, `node ${node.id} (${node.type}) kept its size`);
  }
}

function assertNextTo(added, source, all) {
  assert.ok(added.pos[0] >= source.pos[0] + source.size[0], `the new node (x=${added.pos[0]}) is right of its source ${source.id} (ends at ${source.pos[0] + source.size[0]})`);
  assert.ok(added.pos[0] - (source.pos[0] + source.size[0]) < 200, 'and close to it');
  for (const other of all.filter((n) => n.id !== added.id)) {
    const overlap = added.pos[0] < other.pos[0] + other.size[0] && other.pos[0] < added.pos[0] + added.size[0]
      && added.pos[1] < other.pos[1] + other.size[1] && other.pos[1] < added.pos[1] + added.size[1];
    assert.ok(!overlap, `the new node does not cover node ${other.id} (${other.type})`);
  }
}

// --- scenarios -----------------------------------------------------------------------------------

try {
  await scenario('tab', 'ComfyUI loads the installed extension: the AgentX tab appears in the sidebar and its settings are registered', async () => {
    await page.goto(COMFY_URL + '/');
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const tab = page.getByRole('button', { name: 'AgentX' });
    await tab.waitFor();
    await tab.click();
    await panel().waitFor();
    await messageBox().waitFor();
    assert.equal(await sendButton().count(), 1);
    assert.equal(await stopButton().isDisabled(), true, 'Stop is disabled while no turn runs');
    await page.getByRole('button', { name: 'Settings' }).click();
    const url = page.locator('input[data-setting-id="AgentX.RuntimeUrl"]');
    assert.equal(await url.inputValue(), RUNTIME_URL, 'the runtime URL setting defaults to install-comfyui --url');
    assert.equal(await page.locator('input[data-setting-id="AgentX.ApiToken"]').getAttribute('type'), 'password');
    await page.getByRole('button', { name: 'Close' }).click();
  });

  await scenario('send', 'a message: the canvas becomes the session workflow first, the answer streams in and renders as markdown, the summary shows', async () => {
    await openComfyUi();
    const id = await newSession();
    const canvas = await page.evaluate(async () => (await window.app.graphToPrompt()).output);
    await send('What does my workflow do?');
    await page.waitForFunction(() => document.querySelector('[data-testid=agentx-draft]').textContent.length > 0
      || document.querySelector('[data-testid=agentx-summary]').dataset.status);
    await turnEnded('completed');
    assert.deepEqual(await assistantTexts(), [env('ANSWER_HELLO').replace(/\*\*/g, '')]);
    assert.equal(await page.locator('[data-testid=agentx-message][data-role=assistant] strong').count(), 1, 'markdown **bold** rendered');
    assert.match(await page.getByTestId('agentx-summary').textContent(), /completed · \d+\.\d s · \d+ tokens/);
    const stored = await api(`/sessions/${id}/workflow`);
    assert.equal(stored.status, 200, 'the session has a workflow');
    const strip = (wf) => Object.fromEntries(Object.entries(wf).map(([k, v]) => [k, { class_type: v.class_type, inputs: v.inputs }]));
    assert.deepEqual(strip(stored.body.workflow), strip(canvas), 'the stored workflow is what the canvas showed');
  });

  await scenario('canvas-apply', 'an agent edit is applied in place: the new node sits next to the node it connects to, the others keep position and size', async () => {
    await openComfyUi();
    const before = await canvasNodes();
    const diff = await page.evaluate(async (runtime) => {
      const { applyToCanvas } = await import(runtime + '/comfyui/agentx-panel.js');
      const { output } = await window.app.graphToPrompt();
      const next = structuredClone(output);
      next['50'] = { class_type: 'PreviewImage', inputs: { images: ['8', 0] } };
      next['3'].inputs.steps = 31;
      return applyToCanvas(window.app, next);
    }, RUNTIME_URL);
    assert.deepEqual(diff.added, ['50']);
    assert.deepEqual(diff.changed, ['3']);
    const after = await canvasNodes();
    assertUnmoved(before, after);
    const added = after.find((n) => n.id === '50');
    assert.equal(added.type, 'PreviewImage');
    assertNextTo(added, after.find((n) => n.id === '8'), after);
    const { output } = await page.evaluate(() => window.app.graphToPrompt());
    assert.deepEqual(output['50'].inputs.images, ['8', 0], 'the new node is linked to VAEDecode');
    assert.equal(output['3'].inputs.steps, 31, 'the changed widget value is on the canvas');
    // put the canvas back for the next scenarios
    await page.evaluate(async (runtime) => {
      const { applyToCanvas } = await import(runtime + '/comfyui/agentx-panel.js');
      const { output } = await window.app.graphToPrompt();
      delete output['50'];
      output['3'].inputs.steps = 20;
      return applyToCanvas(window.app, output);
    }, RUNTIME_URL);
    assert.equal((await canvasNodes()).length, before.length);
  });

  await scenario('stop', 'Stop cancels a slow turn; the partial answer stays and the turn shows cancelled', async () => {
    await openComfyUi();
    await newSession();
    await send('Count slowly');
    await page.waitForFunction(() => document.querySelector('[data-testid=agentx-draft]').textContent.length > 0);
    assert.equal(await stopButton().isEnabled(), true, 'Stop is enabled while the turn runs');
    await stopButton().click();
    await turnEnded('cancelled');
    assert.equal(await page.getByTestId('agentx-state').getAttribute('data-state'), 'cancelled');
    assert.equal(await stopButton().isDisabled(), true);
    const shown = (await assistantTexts()).join('');
    const full = env('ANSWER_STOP');
    assert.ok(shown.length > 0 && shown.length < full.length && full.startsWith(shown), `partial answer kept: "${shown}"`);
  });

  await scenario('reload', 'a reload of ComfyUI in the middle of a turn: the panel comes back to its session, every token once, none lost', async () => {
    const full = env('ANSWER_RELOAD');
    await openComfyUi();
    await newSession();
    await send('Tell me slowly');
    await page.waitForFunction(() => document.querySelector('[data-testid=agentx-draft]').textContent.length > 0);
    const before = await draftText();
    assert.ok(before.length < full.length, 'reloading before the end of the answer');
    await openComfyUi();
    await page.waitForFunction(() => document.querySelector('[data-testid=agentx-draft]').textContent.length > 0
      || document.querySelector('[data-testid=agentx-summary]').dataset.status === 'completed');
    const after = await draftText();
    if (after) {
      console.log(`  reload: draft "${before}" before, "${after}" after`);
      assert.ok(after.startsWith(before), `the replayed draft "${after}" keeps the tokens seen before the reload "${before}"`);
      assert.ok(full.startsWith(after), `the replayed draft "${after}" has no duplicate tokens`);
    }
    await turnEnded('completed');
    assert.deepEqual(await assistantTexts(), [full]);
    assert.equal((await panel().innerText()).split(full).length - 1, 1, 'the answer is shown once');
  });

  await scenario('add-node', 'a turn whose Claude calls add_node: the node appears on the canvas without a reload, next to its source, the others unmoved', async () => {
    await openComfyUi();
    await newSession();
    const before = await canvasNodes();
    await page.evaluate(() => { window.loadMarker = 'same page'; });
    await send('Add a preview of the decoded image');
    await turnEnded('completed');
    await page.waitForFunction(() => window.app.graph.serialize().nodes.some((n) => n.type === 'PreviewImage'));
    assert.equal(await page.evaluate(() => window.loadMarker), 'same page', 'no page reload');
    const after = await canvasNodes();
    assertUnmoved(before, after);
    const added = after.find((n) => n.type === 'PreviewImage');
    assertNextTo(added, after.find((n) => n.id === '8'), after);
    const { output } = await page.evaluate(() => window.app.graphToPrompt());
    assert.deepEqual(output[added.id].inputs.images, ['8', 0]);
    assert.ok((await assistantTexts()).includes(env('ANSWER_ADDED')));
  });

  await scenario('attach', 'attach image: another type is refused with a sentence and nothing is sent; a PNG shows as a thumbnail, goes with the message and stays in the conversation after a reload of ComfyUI', async () => {
    await openComfyUi();
    await newSession();
    const fileInput = panel().getByTestId('agentx-attach-input');
    const attachments = panel().getByTestId('agentx-attachment');
    await fileInput.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.getByTestId('agentx-error').waitFor({ state: 'visible' });
    assert.equal(await page.getByTestId('agentx-error').textContent(),
      'notes.txt is not a PNG, JPEG, GIF or WebP image (it is text/plain); it was not attached.');
    assert.equal(await attachments.count(), 0);
    await sendButton().click();
    assert.equal(await panel().locator('[data-testid=agentx-message][data-role=user]').count(), 0, 'nothing was sent');

    const png = Buffer.from(env('IMAGE_BASE64'), 'base64');
    await fileInput.setInputFiles([{ name: 'dot.png', mimeType: 'image/png', buffer: png }, { name: 'extra.png', mimeType: 'image/png', buffer: png }]);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=agentx-attachment]').length === 2);
    assert.equal(await page.getByTestId('agentx-error').isHidden(), true, 'a good file clears the sentence');
    await panel().getByRole('button', { name: 'Remove extra.png' }).click();
    assert.equal(await attachments.count(), 1);
    assert.equal(await attachments.locator('img').getAttribute('alt'), 'dot.png');
    await send('What is in this picture?');
    await turnEnded('completed');
    assert.equal(await attachments.count(), 0, 'sent: no image attached any more');
    const expected = 'data:image/png;base64,' + env('IMAGE_BASE64');
    const thumbnails = () => page.$$eval('[data-testid=agentx-message][data-role=user] [data-testid=agentx-attached-image]',
      (imgs) => imgs.map((i) => ({ src: i.src, width: i.naturalWidth })));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=agentx-attached-image]')].some((i) => i.complete && i.naturalWidth > 0));
    assert.deepEqual(await thumbnails(), [{ src: expected, width: 4 }]);
    assert.ok((await assistantTexts()).includes(env('ANSWER_ATTACHED')));

    await openComfyUi();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=agentx-attached-image]')].some((i) => i.complete && i.naturalWidth > 0));
    assert.deepEqual(await thumbnails(), [{ src: expected, width: 4 }], 'the stored message shows its image after a reload');
  });

  await scenario('image', 'a turn whose Claude runs the workflow: the output image shows in the panel (alt = file name, naturalWidth > 0), and again from the stored messages after a reload, beside the closed details of the call', async () => {
    await openComfyUi();
    await newSession();
    await send('Run it');
    await turnEnded('completed');
    const img = panel().locator('img[alt$=".png"]').first();
    await img.waitFor();
    await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
    const alt = await img.getAttribute('alt');
    assert.match(alt, /^ComfyUI_\d+_\.png$/);
    console.log(`  image: ${alt}, ${await img.evaluate((el) => `${el.naturalWidth}x${el.naturalHeight}`)}`);
    assert.ok((await assistantTexts()).includes(env('ANSWER_RAN')));
    // from the stored messages after a reload of ComfyUI, shown beside the tool call's closed details
    await openComfyUi();
    const again = panel().locator(`img[alt="${alt}"]`).first();
    await again.waitFor({ state: 'visible' });
    await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await again.elementHandle());
    assert.equal(await again.evaluate((el) => el.closest('details')), null, 'not inside the collapsed details');
  });

  await scenario('approve', 'run_workflow needs approval: the card shows its input, comes back after a reload of ComfyUI, and Approve runs the workflow once', async () => {
    await openComfyUi();
    const id = await newSession();
    await requireApproval(id, { run_workflow: 'ask' });
    await send('Run it, once I say so');
    let card = await assertPending('toolu_run_ask', 'run_workflow');
    assert.equal(JSON.parse(await card.getByRole('textbox', { name: /^Input/ }).inputValue()).wait, true, 'the input Claude gave');
    await openComfyUi();
    card = await assertPending('toolu_run_ask', 'run_workflow');
    await card.getByRole('textbox', { name: /^Input/ }).fill('[1, 2]');
    await card.getByRole('button', { name: 'Approve' }).click();
    assert.equal(await card.getByTestId('agentx-approval-error').textContent(), 'The input must be a JSON object ({…}).');
    await card.getByRole('textbox', { name: /^Input/ }).fill('{"wait": true}');
    await card.getByRole('button', { name: 'Approve' }).click();
    await cardSettled('toolu_run_ask', 'approved');
    assert.equal(await card.getByTestId('agentx-approval-outcome').textContent(), 'Approved');
    assert.equal(await card.getByRole('button', { name: 'Approve' }).count(), 0, 'the outcome replaced the buttons');
    await turnEnded('completed');
    assert.ok((await assistantTexts()).includes(env('ANSWER_APPROVED')));
    await panel().locator('img[alt$=".png"]').first().waitFor();
  });

  await scenario('deny', 'Deny with a reason over the bridge: the card keeps the outcome, the workflow never runs, Claude goes on', async () => {
    await openComfyUi();
    const id = await newSession();
    await requireApproval(id, { run_workflow: 'ask' });
    await send('Run it again');
    const card = await assertPending('toolu_run_no', 'run_workflow');
    await card.getByRole('textbox', { name: /^Reason/ }).fill(env('DENY_REASON'));
    await card.getByRole('textbox', { name: /^Reason/ }).blur();
    await page.screenshot({ path: env('APPROVAL_SCREENSHOT', 'comfyui-approval.png') });
    await card.getByRole('button', { name: 'Deny' }).click();
    await cardSettled('toolu_run_no', 'denied');
    assert.equal(await card.getByTestId('agentx-approval-outcome').textContent(), 'Denied: ' + env('DENY_REASON'));
    await turnEnded('completed');
    assert.ok((await assistantTexts()).includes(env('ANSWER_DENIED')));
  });

  await scenario('older', 'the list shows 100 sessions and "More" the rest; a reload comes back to a session older than the first 100', async () => {
    await openComfyUi();
    const select = page.getByTestId('agentx-session-select');
    const id = await select.inputValue();
    const title = await panel().getByTestId('agentx-session-title').textContent();
    const made = [];
    for (let i = 0; i < 101; i++) {
      const r = await api('/sessions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ title: 'bulk ' + i }) });
      assert.equal(r.status, 201);
      made.push(r.body.session_id);
    }
    await openComfyUi();
    await page.waitForFunction(() => document.querySelector('[data-testid=agentx-connection]')?.textContent === 'live');
    assert.equal(await select.inputValue(), id, 'the session this panel had open, now older than the first 100');
    assert.equal(await panel().getByTestId('agentx-session-title').textContent(), title);
    assert.equal(await select.locator('option').count(), 101, 'the first 100 and the one opened');
    const more = panel().getByTestId('agentx-more-sessions');
    await more.click();
    const total = (await api('/sessions?limit=1')).body.total;
    await page.waitForFunction((n) => document.querySelector('[data-testid=agentx-session-select]').options.length === n, total);
    const values = await select.locator('option').evaluateAll((os) => os.map((o) => o.value));
    assert.equal(new Set(values).size, total, 'each session listed once');
    assert.equal(await more.isHidden(), true);
    for (const made1 of made) await api('/sessions/' + made1, { method: 'DELETE' });
    await openComfyUi();
  });

  const shot = env('SCREENSHOT', 'comfyui-panel.png');
  await page.screenshot({ path: shot });
  console.log(`screenshot: ${shot}`);
  console.log(`${passed} scenarios passed, ${skipped} skipped`);
} catch (e) {
  console.log(`not ok - after ${passed} passed scenario(s): ${e.stack || e}`);
  const shot = env('SCREENSHOT', 'comfyui-panel.png');
  await page.screenshot({ path: shot }).catch(() => {});
  console.log(`screenshot: ${shot}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
