// Pure parts of the ComfyUI panel (no browser needed): the workflow diff, where new nodes go, which
// files of a tool result are shown as media, the answer an approval card sends, attached images. Run by ComfyExtensionTypecheckTest (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  approvalAnswer, attachedImageUrls, attachmentProblem, diffWorkflows, mediaFiles, messageContent, placeNewNodes, sendFailure,
} from '../../main/resources/webroot/comfyui/agentx-panel.js';

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
