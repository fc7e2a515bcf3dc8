// mayfly-metrics from Node against a real Mayfly: the sums /metrics serves are exact, a retried or resent push
// counts once, a refusal rejects with Mayfly's reason.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Metrics, MayflyPushError } from "../src/index.js";
import { MAYFLY_URL, TOKEN, assertServed, startProxy, uniqueJob } from "./support/mayfly.js";

/** One invocation of a function: a fresh Metrics, some recording, one flush. */
async function invocation(job, options, record) {
  const metrics = new Metrics({ url: MAYFLY_URL, job, token: TOKEN, ...options });
  record(metrics);
  return metrics.flush();
}

test("counters, gauges and histograms with labels from many invocations give exact sums", async () => {
  const job = uniqueJob("js-sums");
  const groupingLabels = { region: "eu/west-1", stage: "prod" }; // a '/' travels as @base64
  for (let i = 0; i < 5; i++) {
    const result = await invocation(job, { groupingLabels, gzip: i % 2 === 0 ? true : false }, (metrics) => {
      const orders = metrics.counter({ name: "orders_total", help: "Orders placed.\nPer country \\ channel.", labelNames: ["country"] });
      orders.inc({ country: "fr" });
      orders.inc({ country: "de" }, 2);
      orders.labels('quote"back\\slash\nline').inc(0.5);
      metrics.gauge({ name: "queue_depth", help: "Jobs waiting." }).set(10 + i);
      metrics.gauge({ name: "memory_peak_bytes", help: "Peak.", aggregation: "max" }).set(i === 2 ? 900 : 100 * i);
      metrics.gauge({ name: "open_carts", help: "Carts open.", aggregation: "sum" }).inc(i); // 0+1+2+3+4
      const latency = metrics.histogram({ name: "latency_seconds", help: "Handler latency.", labelNames: ["route"], buckets: [0.1, 1] });
      latency.observe({ route: "/pay" }, 0.25);
      latency.observe({ route: "/pay" }, 0.0625);
      latency.labels("/pay").observe(5);
    });
    assert.deepEqual(result, { pushes: 1, attempts: 1 });
  }
  const l = `job="${job}",region="eu/west-1",stage="prod"`;
  const r = `job="${job}",region="eu/west-1",route="/pay",stage="prod"`; // the exporter sorts labels by name
  await assertServed({
    [`orders_total{country="fr",${l}}`]: 5,
    [`orders_total{country="de",${l}}`]: 10,
    [`orders_total{country="quote\\"back\\\\slash\\nline",${l}}`]: 2.5,
    [`queue_depth{${l}}`]: 14,
    [`memory_peak_bytes{${l}}`]: 900,
    [`open_carts{${l}}`]: 10,
    [`latency_seconds_bucket{${r},le="0.1"}`]: 5,
    [`latency_seconds_bucket{${r},le="1.0"}`]: 10,
    [`latency_seconds_bucket{${r},le="+Inf"}`]: 15,
    [`latency_seconds_count{${r}}`]: 15,
    [`latency_seconds_sum{${r}}`]: 5 * 5.3125, // binary fractions: the sum is exact whatever the order of addition
  });
});

test("a warm Metrics sends only what happened since its last flush", async () => {
  const job = uniqueJob("js-warm");
  const metrics = new Metrics({ url: MAYFLY_URL, job, token: TOKEN });
  const ops = metrics.counter({ name: "ops_total", help: "Ops." });
  ops.inc(3);
  await metrics.flush();
  assert.equal(metrics.counter({ name: "ops_total", help: "Ops." }), ops, "asking again gives the same counter");
  ops.inc(4);
  await metrics.flush();
  assert.deepEqual(await metrics.flush(), { pushes: 0, attempts: 0 }, "nothing recorded: no push");
  await assertServed({ [`ops_total{job="${job}"}`]: 7 });
});

test("a flush whose answer was lost is retried with the same Idempotency-Key and counted once", async () => {
  const job = uniqueJob("js-retry");
  const proxy = await startProxy((n) => (n === 0 ? "lose-answer" : n === 1 ? { status: 503, headers: { "Retry-After": "0" } } : "forward"));
  try {
    const metrics = new Metrics({ url: proxy.url, job, token: TOKEN });
    metrics.counter({ name: "payments_total", help: "Payments." }).inc(7);
    assert.deepEqual(await metrics.flush(), { pushes: 1, attempts: 3 });
    const keys = proxy.requests.map((r) => r.headers["idempotency-key"]);
    assert.equal(keys.length, 3);
    assert.equal(new Set(keys).size, 1, `one key for every attempt: ${keys}`);
  } finally {
    await proxy.close();
  }
  await assertServed({ [`payments_total{job="${job}"}`]: 7 }); // stored by attempts 1 and 3: counted once
});

test("a push not acknowledged within the budget is kept and resent as it was by the next flush, counted once", async () => {
  const job = uniqueJob("js-resend");
  let acknowledge = false;
  const proxy = await startProxy(() => (acknowledge ? "forward" : "forward-then-503"));
  try {
    const metrics = new Metrics({ url: proxy.url, job, token: TOKEN, timeoutMs: 1500 });
    const refunds = metrics.counter({ name: "refunds_total", help: "Refunds." });
    refunds.inc(2);
    const error = await metrics.flush().catch((e) => e);
    assert.ok(error instanceof MayflyPushError, String(error));
    assert.equal(error.retryable, true);
    assert.ok(error.status === 503 || error.status === undefined, `503, or no answer in time on a busy machine: ${error.status}`);
    assert.match(error.message, /not acknowledged after \d+ attempt/);
    assert.equal(metrics.pendingPushes, 1);

    acknowledge = true;
    refunds.inc(5);
    assert.equal((await metrics.flush()).pushes, 2);
    assert.equal(metrics.pendingPushes, 0);
    const keys = [...new Set(proxy.requests.map((r) => r.headers["idempotency-key"]))];
    assert.equal(keys.length, 2, "the kept push kept its key; the new one has its own");
    assert.equal(proxy.requests.at(-2).headers["idempotency-key"], error.idempotencyKey);
  } finally {
    await proxy.close();
  }
  await assertServed({ [`refunds_total{job="${job}"}`]: 7 }); // the first push was stored several times: counted once
});

test("a Retry-After longer than the budget ends the flush after one attempt, with onError told instead of a rejection", async () => {
  const proxy = await startProxy(() => ({ status: 429, headers: { "Retry-After": "30" }, body: "too many pushes in flight; retry later" }));
  try {
    const errors = [];
    const metrics = new Metrics({ url: proxy.url, job: "js-throttled", timeoutMs: 2000, onError: (e) => errors.push(e) });
    metrics.counter({ name: "x_total", help: "X." }).inc();
    const result = await metrics.flush();
    assert.equal(errors.length, 1);
    assert.equal(result.error, errors[0]);
    assert.equal(errors[0].attempts, 1);
    assert.equal(errors[0].status, 429);
    assert.match(errors[0].message, /too many pushes in flight/);
  } finally {
    await proxy.close();
  }
});

test("a push Mayfly refuses rejects at once with the reason, is not retried and not kept", async () => {
  const proxy = await startProxy(() => "forward");
  try {
    // another function made the name a gauge moments ago: only Mayfly knows, so this push is refused there
    const name = uniqueJob("signups").replace("-", "_");
    const other = new Metrics({ url: MAYFLY_URL, job: uniqueJob("js-other"), token: TOKEN });
    other.gauge({ name, help: "A gauge." }).set(1);
    await other.flush();
    const metrics = new Metrics({ url: proxy.url, job: uniqueJob("js-refused"), token: TOKEN });
    metrics.counter({ name: name + "_total", help: "Signups." }).inc();
    await assert.rejects(metrics.flush(), (e) => {
      assert.ok(e instanceof MayflyPushError);
      assert.equal(e.status, 400);
      assert.equal(e.retryable, false);
      assert.match(e.message, new RegExp(`refused the push with 400: metric ${name}(_total)? is pushed as a counter but ${name}`
        + " (is already served|was pushed) as a gauge"));
      return true;
    });
    assert.equal(proxy.requests.length, 1);
    assert.equal(metrics.pendingPushes, 0);
  } finally {
    await proxy.close();
  }
});

test("the bearer token is sent; without it Mayfly answers 401 and the flush says so", async () => {
  const job = uniqueJob("js-token");
  const anonymous = new Metrics({ url: MAYFLY_URL, job });
  anonymous.counter({ name: "logins_total", help: "Logins." }).inc();
  await assert.rejects(anonymous.flush(), (e) => e.status === 401 && /unauthorized/.test(e.message));
  await invocation(job, {}, (m) => m.counter({ name: "logins_total", help: "Logins." }).inc(3));
  await assertServed({ [`logins_total{job="${job}"}`]: 3 });
});

test("the gzip option compresses the body", async () => {
  const proxy = await startProxy(() => "forward");
  try {
    const job = uniqueJob("js-gzip");
    for (const gzip of [true, false, "auto"]) {
      await invocation(job, { url: proxy.url, gzip }, (m) => m.counter({ name: "zipped_total", help: "Z." }).inc());
    }
    assert.deepEqual(proxy.requests.map((r) => r.headers["content-encoding"] ?? "none"), ["gzip", "none", "none"]);
    assert.deepEqual([...proxy.requests[0].body.subarray(0, 2)], [0x1f, 0x8b]);
    await assertServed({ [`zipped_total{job="${job}"}`]: 3 });
  } finally {
    await proxy.close();
  }
});
