// mayfly-metrics in a browser: headless Chromium loads a page that imports the package's files as they are and
// flushes; the page's origin forwards the push to Mayfly (same origin, so no CORS) but loses the first answer. The
// page sees the flush resolve after a retry with the same key, and /metrics serves the exact sums.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TOKEN, assertServed, startProxy, uniqueJob } from "./support/mayfly.js";

const CHROMIUM = "/usr/bin/chromium";
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const page = (job) => `<!doctype html><title>mayfly-metrics</title><body>pending</body>
<script type="module">
import { Metrics } from "/src/index.js";
const metrics = new Metrics({ url: location.origin, job: ${JSON.stringify(job)}, token: ${JSON.stringify(TOKEN)}, gzip: true });
metrics.counter({ name: "page_clicks_total", help: "Clicks.", labelNames: ["button"] }).inc({ button: "buy" }, 3);
metrics.histogram({ name: "page_render_seconds", help: "Render time.", buckets: [0.5] }).observe(0.25);
metrics.flush().then((r) => { document.body.textContent = "flushed " + JSON.stringify(r); },
                     (e) => { document.body.textContent = "failed " + e.message; });
</script>`;

test("a page in headless Chromium pushes, its retried push counts once", { skip: !existsSync(CHROMIUM) && !process.env.CI && "chromium is not installed" }, async () => {
  const job = uniqueJob("js-browser");
  const proxy = await startProxy((n) => (n === 0 ? "lose-answer" : "forward"), (url) => {
    if (url === "/") return { type: "text/html", body: page(job) };
    if (url.startsWith("/src/") && url.endsWith(".js")) return { type: "text/javascript", body: readFileSync(path.join(root, url)) };
    if (url === "/favicon.ico") return { type: "image/x-icon", body: "" };
    return undefined;
  });
  try {
    const dom = await new Promise((resolve, reject) => {
      execFile(CHROMIUM, ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000", "--dump-dom", proxy.url + "/"],
        { timeout: 120_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
    });
    assert.match(dom, /flushed \{"pushes":1,/);
    // the request was sent twice, by the client or by Chromium itself (it resends a request whose reused connection
    // closed without an answer): either way with the same key
    assert.equal(proxy.requests.length, 2);
    assert.equal(new Set(proxy.requests.map((r) => r.headers["idempotency-key"])).size, 1);
    assert.equal(proxy.requests[0].headers["content-encoding"], "gzip");
  } finally {
    await proxy.close();
  }
  await assertServed({
    [`page_clicks_total{button="buy",job="${job}"}`]: 3,
    [`page_render_seconds_bucket{job="${job}",le="0.5"}`]: 1,
    [`page_render_seconds_count{job="${job}"}`]: 1,
  });
});
