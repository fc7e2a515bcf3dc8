// mayfly-metrics: counters, gauges and histograms recorded in memory during an invocation and pushed to Mayfly
// by flush(), one push per flush, counted exactly once. Uses only fetch, crypto.randomUUID and web APIs, so it runs
// unchanged in Cloudflare Workers, Node 18+ (AWS Lambda), Deno and browsers. See README.md.

import { Counter, Gauge, Histogram } from "./internal/instruments.js";
import { checkLabelName } from "./internal/text-format.js";
import { MayflyPushError, gzip, send } from "./internal/push.js";

export { MayflyPushError };

const GZIP_MIN_BYTES = 1024;
const MAX_KEPT_PUSHES = 16;

export class Metrics {
  #url;
  #headers;
  #timeoutMs;
  #attemptTimeoutMs;
  #gzip;
  #onError;
  #fetch;
  #instruments = new Map();
  /** pushes whose acknowledgement never came, oldest first: resent as they were, with their key */
  #kept = [];

  /**
   * @param {object} options url (Mayfly's HTTP address), job, and optionally token (a bearer token),
   *   groupingLabels, timeoutMs (the most one flush() takes, retries included; 10000), attemptTimeoutMs (5000),
   *   gzip (true, false or "auto": bodies from 1 KiB where CompressionStream exists), onError (flush() then
   *   resolves and hands failures to it), fetch (e.g. a Worker service binding's fetch).
   */
  constructor({ url, job, token, groupingLabels = {}, timeoutMs = 10_000, attemptTimeoutMs = 5_000, gzip = "auto", onError, fetch } = {}) {
    if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new TypeError(`url must be Mayfly's http(s) address, not ${url}`);
    if (typeof job !== "string" || job === "") throw new TypeError("job must be a non-empty string");
    if (!(timeoutMs > 0) || !(attemptTimeoutMs > 0)) throw new TypeError("timeoutMs and attemptTimeoutMs must be positive");
    if (![true, false, "auto"].includes(gzip)) throw new TypeError('gzip must be true, false or "auto"');
    let path = "/metrics/" + segment("job", job);
    for (const [name, value] of Object.entries(groupingLabels)) {
      checkLabelName(name, "groupingLabels");
      if (name === "job") throw new TypeError("groupingLabels cannot hold job: it is the job option");
      if (value == null || value === "") continue; // an empty value is no label
      path += "/" + segment(name, String(value));
    }
    this.#url = url.replace(/\/+$/, "") + path;
    this.#headers = { "Content-Type": "text/plain; version=0.0.4" };
    if (token) this.#headers.Authorization = `Bearer ${token}`;
    this.#timeoutMs = timeoutMs;
    this.#attemptTimeoutMs = attemptTimeoutMs;
    this.#gzip = gzip;
    this.#onError = onError;
    this.#fetch = fetch ?? ((...args) => globalThis.fetch(...args));
  }

  /** A counter: {name, help, labelNames}. Asking again for the same name and labels returns the same counter. */
  counter(options) {
    return this.#register("counter", options, Counter);
  }

  /** A gauge: {name, help, labelNames, aggregation: "last" (default), "sum", "max" or "min"}. */
  gauge(options) {
    return this.#register("gauge", options, Gauge);
  }

  /** A histogram: {name, help, labelNames, buckets (upper bounds; +Inf is always added)}. */
  histogram(options) {
    return this.#register("histogram", options, Histogram);
  }

  /** Pushes from earlier flushes that were not acknowledged, waiting to be sent again. */
  get pendingPushes() {
    return this.#kept.length;
  }

  /**
   * Sends what was recorded since the last flush as ONE push (first resending, as they were, pushes an earlier
   * flush could not deliver). Resolves with {pushes, attempts} once Mayfly acknowledged every push; rejects with a
   * MayflyPushError after timeoutMs, or at once on a refusal (4xx), unless onError was given.
   */
  async flush() {
    const pushes = this.#kept.splice(0);
    const text = this.#take(); // synchronous: what is recorded from here on goes to the next flush
    if (text !== "") pushes.push(await this.#prepare(text));
    let attempts = 0;
    const deadline = Date.now() + this.#timeoutMs;
    for (let i = 0; i < pushes.length; i++) {
      try {
        attempts += await send(pushes[i], { fetch: this.#fetch, deadline, attemptTimeoutMs: this.#attemptTimeoutMs });
      } catch (error) {
        attempts += error.attempts ?? 0;
        this.#keep(pushes.slice(error.retryable ? i : i + 1)); // a refused push can never be accepted: dropped
        return this.#fail(error);
      }
    }
    return { pushes: pushes.length, attempts };
  }

  #register(type, options, Type) {
    if (options == null || typeof options !== "object") throw new TypeError(`${type}() takes {name, help, ...}`);
    const existing = this.#instruments.get(options.name);
    if (existing !== undefined) {
      if (existing.sameAs(type, options)) return existing;
      throw new TypeError(`${options.name} is already registered as a ${existing.type} with labels [${existing.labelNames}]`);
    }
    const instrument = new Type(options);
    const names = instrument.exposedNames();
    for (const other of this.#instruments.values()) {
      const shared = other.exposedNames().find((n) => names.includes(n));
      if (shared !== undefined) {
        throw new TypeError(`${instrument.name} (${type}) and ${other.name} (${other.type}) would both be served as ${shared}:`
          + " Mayfly serves one family per name");
      }
    }
    this.#instruments.set(instrument.name, instrument);
    return instrument;
  }

  #take() {
    let text = "";
    for (const instrument of this.#instruments.values()) text += instrument.take();
    return text;
  }

  async #prepare(text) {
    const bytes = new TextEncoder().encode(text);
    const headers = { ...this.#headers };
    let body = bytes;
    if (this.#gzip === true || (this.#gzip === "auto" && bytes.length >= GZIP_MIN_BYTES)) {
      const compressed = await gzip(bytes);
      if (compressed !== null) {
        body = compressed;
        headers["Content-Encoding"] = "gzip";
      }
    }
    return { url: this.#url, key: await randomUUID(), headers, body };
  }

  #keep(pushes) {
    this.#kept.unshift(...pushes);
    if (this.#kept.length > MAX_KEPT_PUSHES) this.#kept.splice(0, this.#kept.length - MAX_KEPT_PUSHES); // oldest lost
  }

  #fail(error) {
    if (this.#onError === undefined) throw error;
    this.#onError(error);
    return { pushes: 0, attempts: error.attempts ?? 0, error };
  }
}

/** `name/value`, or `name@base64/<base64url>` for a value with a '/', which a path segment cannot carry. */
function segment(name, value) {
  if (!value.includes("/")) return `${name}/${encodeURIComponent(value)}`;
  let binary = "";
  for (const byte of new TextEncoder().encode(value)) binary += String.fromCharCode(byte);
  return `${name}@base64/${btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

async function randomUUID() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const module = "node:crypto"; // Node 18 has no global crypto in modules; a name the bundlers leave alone
  return (await import(module)).randomUUID();
}
