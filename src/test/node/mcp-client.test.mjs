// Drives AgentX's /mcp endpoint with the official MCP TypeScript SDK client.
// Needs MCP_URL (McpNodeClientTest starts a server with page size 1 and the in-memory gateway).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = process.env.MCP_URL;
assert.ok(url, "set MCP_URL to the server's /mcp address");

let client;
let transport;

before(async () => {
  client = new Client({ name: "node-sdk-test", version: "1.0.0" });
  transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
});

after(async () => {
  await client.close();
});

test("initialize opens a session with tools capability", () => {
  assert.ok(transport.sessionId, "Mcp-Session-Id issued");
  assert.equal(client.getServerVersion().name, "agentx-node-test");
  assert.ok(client.getServerCapabilities().tools);
});

test("tools/list pages with nextCursor", async () => {
  const names = [];
  let cursor;
  let pages = 0;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    assert.equal(page.tools.length, 1);
    names.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
    pages++;
  } while (cursor && pages < 10);
  assert.deepEqual(names, ["add", "slow", "broken", "pixel"]);
});

test("tools/call returns content; failures are isError results", async () => {
  const sum = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } });
  assert.equal(sum.isError, false);
  assert.equal(sum.content[0].text, "5.0");

  const broken = await client.callTool({ name: "broken", arguments: {} });
  assert.equal(broken.isError, true);
  assert.match(broken.content[0].text, /broke on purpose/);

  const pixel = await client.callTool({ name: "pixel", arguments: {} });
  assert.equal(pixel.content[1].type, "image");
  assert.equal(pixel.content[1].mimeType, "image/png");
});

test("progress notifications arrive over SSE", async () => {
  const seen = [];
  const result = await client.callTool({ name: "slow", arguments: { steps: 3 } }, undefined, {
    onprogress: (p) => seen.push(p),
  });
  assert.equal(result.content[0].text, "done after 3 steps");
  assert.deepEqual(seen.map((p) => p.progress), [1, 2, 3]);
  assert.equal(seen[2].total, 3);
});

test("aborting a call sends notifications/cancelled", async () => {
  const controller = new AbortController();
  const call = client.callTool({ name: "slow", arguments: { steps: 100 } }, undefined, {
    signal: controller.signal,
    onprogress: () => controller.abort("stop"),
  });
  await assert.rejects(call);
  // the server-side effect (the gateway saw the cancel) is checked by McpNodeClientTest
  await new Promise((resolve) => setTimeout(resolve, 300));
});

test("terminateSession deletes the session; it is then unknown", async () => {
  const other = new Client({ name: "node-sdk-test-2", version: "1.0.0" });
  const otherTransport = new StreamableHTTPClientTransport(new URL(url));
  await other.connect(otherTransport);
  const sessionId = otherTransport.sessionId;
  await otherTransport.terminateSession();
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": sessionId,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
  assert.equal(response.status, 404);
  await other.close();
});
