// What the tests share: the address of the real Mayfly they push to (a `mayfly standalone` started by test/run.js
// or by system-tests' JsClientIT, given as MAYFLY_TEST_URL and MAYFLY_TEST_TOKEN), scraping its /metrics, and a
// proxy in front of it that can lose answers the way a network does.

import http from "node:http";
import assert from "node:assert/strict";

export const MAYFLY_URL = process.env.MAYFLY_TEST_URL;
export const TOKEN = process.env.MAYFLY_TEST_TOKEN;
if (!MAYFLY_URL || !TOKEN) {
  throw new Error("MAYFLY_TEST_URL and MAYFLY_TEST_TOKEN are not set: run the tests with `npm test` (test/run.js starts Mayfly)");
}

/** A job name no earlier run used, so sums start from zero even on a Mayfly that lives across runs. */
export function uniqueJob(prefix) {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** GET /metrics as a Map of `name{labels}` (as the exporter writes it) to value; null while not ready. */
export async function scrape() {
  const response = await fetch(MAYFLY_URL + "/metrics");
  if (response.status !== 200) return null;
  const samples = new Map();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    const text = line.slice(space + 1);
    samples.set(line.slice(0, space), text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : Number(text));
  }
  return samples;
}

/**
 * Polls /metrics until every expected sample has exactly its value (30 s at most), then asserts the last scrape, so
 * a failure shows every difference. Expected values of null mean "not served".
 */
export async function assertServed(expected) {
  let actual = {};
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const samples = await scrape();
    if (samples !== null) {
      actual = Object.fromEntries(Object.keys(expected).map((k) => [k, samples.has(k) ? samples.get(k) : null]));
      if (Object.keys(expected).every((k) => Object.is(actual[k], expected[k]))) break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(actual, expected);
}

/**
 * An HTTP proxy on 127.0.0.1 in front of Mayfly. For the n-th request (0-based) `behaviour(n)` says what to do:
 * "forward"; "lose-answer" (forward, then cut the connection instead of answering: stored, but the client never
 * hears it); "forward-then-503" (forward, then answer 503: stored, the client is told it was not); or
 * {status, headers} (answer that without forwarding). `requests` records what clients sent. GET requests that
 * `serve(url)` answers ({type, body}) are served by the proxy itself and not recorded (pages for a browser).
 */
export async function startProxy(behaviour, serve = () => undefined) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const own = req.method === "GET" ? serve(req.url) : undefined;
    if (own !== undefined) {
      res.writeHead(200, { "Content-Type": own.type }).end(own.body);
      return;
    }
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const n = requests.length;
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    const action = behaviour(n);
    if (typeof action === "object") {
      res.writeHead(action.status, action.headers ?? {}).end(action.body ?? "");
      return;
    }
    const headers = {};
    for (const name of ["content-type", "content-encoding", "idempotency-key", "authorization"]) {
      if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    }
    const upstream = await fetch(MAYFLY_URL + req.url, { method: req.method, headers, body });
    const text = await upstream.text();
    if (action === "lose-answer") {
      req.socket.destroy();
    } else if (action === "forward-then-503") {
      res.writeHead(503, { "Content-Type": "text/plain" }).end("the proxy lost Mayfly's answer");
    } else {
      res.writeHead(upstream.status, { "Content-Type": "text/plain" }).end(text);
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}
