// An MCP client with no chat session (Claude Code, Claude Desktop, the Inspector) uses every
// workflow tool on a workspace of its own. Needs MCP_URL: the runtime's /mcp with the real tools
// service against the fake ComfyUI (McpWorkspaceTest starts both).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = process.env.MCP_URL;
assert.ok(url, "set MCP_URL to the server's /mcp address");

let client;

before(async () => {
  client = new Client({ name: "workspace-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
});

after(async () => {
  await client.close();
});

function json(result) {
  assert.equal(result.isError, false, result.content?.[0]?.text);
  return JSON.parse(result.content[0].text);
}

test("the workflow tools build, validate and run a workflow in the client's own workspace, images come back", async () => {
  const empty = await client.callTool({ name: "get_workflow", arguments: {} });
  assert.doesNotMatch(empty.content[0].text, /not part of a chat session/);
  assert.match(empty.content[0].text, /no workflow/i, "a fresh workspace has no workflow yet");

  json(await client.callTool({ name: "add_node", arguments: { node_id: "4", class_type: "CheckpointLoaderSimple",
    inputs: { ckpt_name: "v1-5-pruned-emaonly-fp16.safetensors" } } }));
  json(await client.callTool({ name: "add_node", arguments: { node_id: "5", class_type: "EmptyLatentImage",
    inputs: { width: 512, height: 512, batch_size: 1 } } }));
  json(await client.callTool({ name: "add_node", arguments: { node_id: "6", class_type: "CLIPTextEncode",
    inputs: { text: "a lighthouse at dusk" } } }));
  json(await client.callTool({ name: "add_node", arguments: { node_id: "7", class_type: "CLIPTextEncode",
    inputs: { text: "blurry" } } }));
  json(await client.callTool({ name: "add_node", arguments: { node_id: "3", class_type: "KSampler",
    inputs: { seed: 1, steps: 20, cfg: 8, sampler_name: "euler", scheduler: "normal", denoise: 1 } } }));
  json(await client.callTool({ name: "add_node", arguments: { node_id: "8", class_type: "VAEDecode", inputs: {} } }));
  json(await client.callTool({ name: "add_node", arguments: { node_id: "9", class_type: "SaveImage",
    inputs: { filename_prefix: "ComfyUI" } } }));
  const links = [["4", 1, "6", "clip"], ["4", 1, "7", "clip"], ["4", 0, "3", "model"], ["6", 0, "3", "positive"],
    ["7", 0, "3", "negative"], ["5", 0, "3", "latent_image"], ["3", 0, "8", "samples"], ["4", 2, "8", "vae"],
    ["8", 0, "9", "images"]];
  for (const [from, slot, to, input] of links) {
    json(await client.callTool({ name: "connect_nodes", arguments: { from_node: from, from_output: slot, to_node: to, to_input: input } }));
  }
  const validation = json(await client.callTool({ name: "validate_workflow", arguments: {} }));
  assert.equal(validation.valid, true, JSON.stringify(validation));

  const run = json(await client.callTool({ name: "run_workflow", arguments: { wait: true } }));
  assert.equal(run.status, "success");
  const images = await client.callTool({ name: "get_output_images", arguments: { prompt_id: run.prompt_id } });
  assert.equal(images.isError, false);
  const image = images.content.find((c) => c.type === "image");
  assert.ok(image, "an image block");
  assert.equal(image.mimeType, "image/png");
  assert.ok(image.data.length > 100);

  const versions = json(await client.callTool({ name: "get_workflow", arguments: {} }));
  assert.ok(versions.version >= 7, "every edit was a new version of the workspace workflow");
});

test("run_workflow takes a workflow argument without a saved one", async () => {
  const other = new Client({ name: "workspace-test-2", version: "1.0.0" });
  await other.connect(new StreamableHTTPClientTransport(new URL(url)));
  const workflow = JSON.parse(process.env.DEFAULT_WORKFLOW_API);
  const run = json(await other.callTool({ name: "run_workflow", arguments: { wait: true, workflow } }));
  assert.equal(run.status, "success");
  await other.close();
});
