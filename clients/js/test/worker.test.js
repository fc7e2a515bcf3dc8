// mayfly-metrics in Cloudflare's real runtime: Miniflare 4 runs workerd with a Worker that imports the package as
// "mayfly-metrics" (its files as they are, no bundling) and flushes in ctx.waitUntil; the Worker pushes to Mayfly on
// loopback through a proxy that loses one answer, and the sums /metrics serves are exact, also for a Metrics that
// lives as long as the isolate and serves concurrent requests.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { TOKEN, assertServed, startProxy, uniqueJob } from "./support/mayfly.js";

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src");

const WORKER = `
import { Metrics } from "mayfly-metrics";

let warm; // one Metrics for the isolate's life, shared by the requests it serves

export default {
  async fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/warm") {
      warm ??= new Metrics({ url: env.MAYFLY_URL, job: env.JOB, token: env.MAYFLY_TOKEN });
      warm.counter({ name: "worker_warm_total", help: "Requests to a warm isolate." }).inc();
      ctx.waitUntil(warm.flush());
      return new Response("ok");
    }
    const metrics = new Metrics({ url: env.MAYFLY_URL, job: env.JOB, token: env.MAYFLY_TOKEN,
                                  groupingLabels: { colo: "local" }, gzip: true });
    const requests = metrics.counter({ name: "worker_requests_total", help: "Requests.", labelNames: ["path"] });
    const bodies = metrics.histogram({ name: "worker_body_bytes", help: "Body sizes.", buckets: [10, 100] });
    const url = new URL(request.url);
    requests.inc({ path: url.pathname });
    bodies.observe(Number(url.searchParams.get("bytes")));
    ctx.waitUntil(metrics.flush());   // the response does not wait for the push
    return new Response("ok");
  },
};
`;

/** The Worker first, then the package's own files: index.js under the package name, the rest by their paths. */
function modules() {
  const list = [{ type: "ESModule", path: path.join(src, "worker.js"), contents: WORKER }];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".js")) {
        const name = file === path.join(src, "index.js") ? path.join(src, "mayfly-metrics") : file;
        list.push({ type: "ESModule", path: name, contents: readFileSync(file, "utf8") });
      }
    }
  };
  walk(src);
  return list;
}

test("a Worker in workerd pushes in waitUntil; a lost answer is retried with the same key and every sum is exact", async () => {
  const job = uniqueJob("js-worker");
  const proxy = await startProxy((n) => (n === 0 ? "lose-answer" : "forward"));
  const mf = new Miniflare({
    modulesRoot: src,
    modules: modules(),
    compatibilityDate: "2025-09-01",
    bindings: { MAYFLY_URL: proxy.url, JOB: job, MAYFLY_TOKEN: TOKEN },
  });
  try {
    const sizes = [5, 50, 500, 7, 70, 700];
    for (const [i, bytes] of sizes.entries()) {
      const response = await mf.dispatchFetch(`http://worker.test/${i % 2 === 0 ? "checkout" : "cart"}?bytes=${bytes}`);
      assert.equal(await response.text(), "ok");
    }
    const l = `colo="local",job="${job}"`;
    await assertServed({
      [`worker_requests_total{${l},path="/checkout"}`]: 3,
      [`worker_requests_total{${l},path="/cart"}`]: 3,
      [`worker_body_bytes_bucket{${l},le="10.0"}`]: 2,
      [`worker_body_bytes_bucket{${l},le="100.0"}`]: 4,
      [`worker_body_bytes_bucket{${l},le="+Inf"}`]: 6,
      [`worker_body_bytes_count{${l}}`]: 6,
      [`worker_body_bytes_sum{${l}}`]: 1332,
    });
    const keys = proxy.requests.map((r) => r.headers["idempotency-key"]);
    assert.equal(keys.length, sizes.length + 1, "one push per request, one of them twice");
    assert.equal(new Set(keys).size, sizes.length, "the retried push kept its Idempotency-Key");
    assert.ok(proxy.requests.every((r) => r.headers["content-encoding"] === "gzip"), "gzipped by workerd's CompressionStream");
    assert.ok(proxy.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`));

    // requests served at once by one isolate share its Metrics: each increment is in exactly one of the pushes
    const responses = await Promise.all(Array.from({ length: 10 }, () => mf.dispatchFetch("http://worker.test/warm")));
    assert.deepEqual(await Promise.all(responses.map((r) => r.text())), new Array(10).fill("ok"));
    await assertServed({ [`worker_warm_total{job="${job}"}`]: 10 });
  } finally {
    await mf.dispose();
    await proxy.close();
  }
});
