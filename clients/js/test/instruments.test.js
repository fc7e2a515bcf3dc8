// Mistakes in the code that records are TypeErrors at the call that makes them, as in prom-client, not a
// refused push later.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Metrics } from "../src/index.js";

const metrics = () => new Metrics({ url: "http://127.0.0.1:9", job: "unit" });

test("names Prometheus or Mayfly would refuse are refused when the instrument is made", () => {
  const m = metrics();
  assert.throws(() => m.counter({ name: "1st_total" }), /invalid metric name/);
  assert.throws(() => m.counter({ name: "http-requests" }), /invalid metric name/);
  assert.throws(() => m.counter({ name: "mayfly_own_total" }), /reserved/);
  assert.throws(() => m.counter({ name: "a_total", labelNames: ["__name"] }), /invalid label name/);
  assert.throws(() => m.counter({ name: "a_total", labelNames: ["mayfly_aggregation"] }), /reserved/);
  assert.throws(() => m.counter({ name: "a_total", labelNames: ["x", "x"] }), /repeat/);
  assert.throws(() => m.histogram({ name: "h", labelNames: ["le"] }), /le is reserved/);
  assert.throws(() => m.histogram({ name: "h", buckets: [1, 1] }), /strictly increasing/);
  assert.throws(() => m.histogram({ name: "h", buckets: [] }), /strictly increasing/);
  assert.throws(() => m.gauge({ name: "g", aggregation: "avg" }), /aggregation of g/);
  assert.throws(() => new Metrics({ url: "localhost:9091", job: "x" }), /url/);
  assert.throws(() => new Metrics({ url: "http://x", job: "" }), /job/);
  assert.throws(() => new Metrics({ url: "http://x", job: "x", groupingLabels: { "a-b": "c" } }), /invalid label name/);
});

test("the same name asked for again is the same instrument, and a different one is an error", () => {
  const m = metrics();
  const c = m.counter({ name: "c_total", labelNames: ["a"] });
  assert.equal(m.counter({ name: "c_total", labelNames: ["a"] }), c);
  assert.throws(() => m.gauge({ name: "c_total" }), /already registered as a counter/);
  assert.throws(() => m.counter({ name: "c_total", labelNames: ["b"] }), /already registered/);
  const h = m.histogram({ name: "h", buckets: [1, 2] });
  assert.equal(m.histogram({ name: "h", buckets: [1, 2, Infinity] }), h);
  assert.throws(() => m.histogram({ name: "h", buckets: [1, 3] }), /already registered/);
});

test("two instruments Mayfly would serve under one name are refused when the second is made", () => {
  const m = metrics();
  m.counter({ name: "orders_total" });
  assert.throws(() => m.gauge({ name: "orders" }),
    /orders \(gauge\) and orders_total \(counter\) would both be served as orders: Mayfly serves one family per name/);
  assert.throws(() => m.counter({ name: "orders" }), /would both be served as orders/);
  assert.throws(() => m.gauge({ name: "orders_created" }), /would both be served as orders_created/);
  m.histogram({ name: "latency_seconds" });
  assert.throws(() => m.gauge({ name: "latency_seconds_count" }), /would both be served as latency_seconds_count/);
  m.gauge({ name: "orders_open" }); // a name of its own
});

test("values no aggregate could hold are refused where they are recorded", () => {
  const m = metrics();
  const c = m.counter({ name: "c_total", labelNames: ["a"] });
  assert.throws(() => c.inc(-1), /finite number >= 0/);
  assert.throws(() => c.inc({ a: "x" }, NaN), /finite number >= 0/);
  assert.throws(() => c.inc({ b: "x" }), /has no label b/);
  assert.throws(() => m.histogram({ name: "h" }).observe(Infinity), /finite/);
  assert.throws(() => m.gauge({ name: "s", aggregation: "sum" }).set(3), /inc\(\) and dec\(\)/);
  assert.throws(() => m.gauge({ name: "mx", aggregation: "max" }).set(NaN), /NaN/);
  m.gauge({ name: "g" }).set(NaN); // a NaN level is a gauge's right, as in Prometheus
});
