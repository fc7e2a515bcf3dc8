// Counters, gauges and histograms recorded in memory, shaped like prom-client's. Each keeps, per label set, what
// happened since the last flush; take() writes that as text (delta style) and starts the next interval. Recording is
// synchronous and take() runs without awaiting, so an increment is in exactly one push.

import { checkLabelName, checkMetricName, header, sample, formatValue, RESERVED_PREFIX } from "./text-format.js";

const AGGREGATION_LABEL = RESERVED_PREFIX + "aggregation";
const GAUGE_AGGREGATIONS = ["last", "sum", "max", "min"];
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const now = () => (globalThis.performance?.now ? performance.now() : Date.now());

class Instrument {
  constructor(type, { name, help = "", labelNames = [] }, reservedLabels = []) {
    checkMetricName(name);
    if (typeof help !== "string") throw new TypeError(`help of ${name} must be a string`);
    if (!Array.isArray(labelNames)) throw new TypeError(`labelNames of ${name} must be an array`);
    for (const l of labelNames) {
      checkLabelName(l, name);
      if (reservedLabels.includes(l)) throw new TypeError(`label name ${l} is reserved in ${type} ${name}`);
    }
    if (new Set(labelNames).size !== labelNames.length) throw new TypeError(`labelNames of ${name} repeat a name`);
    this.type = type;
    this.name = name;
    this.help = help;
    this.labelNames = [...labelNames];
    /** label values key -> state of that series since the last flush */
    this.series = new Map();
  }

  /** The same instrument asked for again (same type and labels)? Otherwise registering it again is a mistake. */
  sameAs(type, opts) {
    return type === this.type && JSON.stringify(opts.labelNames ?? []) === JSON.stringify(this.labelNames);
  }

  /**
   * Every name Mayfly would serve this instrument's samples under (a counter is stored without one `_total`, then
   * served with it, and with `_created`): two instruments sharing one would not both be served.
   */
  exposedNames() {
    if (this.type === "counter") {
      const base = this.name.endsWith("_total") ? this.name.slice(0, -"_total".length) : this.name;
      return [base, base + "_total", base + "_created"];
    }
    if (this.type === "histogram") {
      return ["", "_bucket", "_count", "_sum", "_created", "_gcount", "_gsum"].map((s) => this.name + s);
    }
    return [this.name];
  }

  /** The series state for `labels` (an object of label name to value), created by `create` when new. */
  state(labels, create) {
    const values = this.labelNames.map(() => "");
    if (labels != null) {
      if (typeof labels !== "object") throw new TypeError(`labels of ${this.name} must be an object`);
      for (const [k, v] of Object.entries(labels)) {
        const i = this.labelNames.indexOf(k);
        if (i < 0) throw new TypeError(`${this.name} has no label ${k} (its labelNames: ${this.labelNames.join(", ") || "none"})`);
        values[i] = v == null ? "" : String(v);
      }
    }
    const key = JSON.stringify(values);
    let s = this.series.get(key);
    if (s === undefined) {
      s = create();
      s.pairs = this.labelNames.map((n, i) => [n, values[i]]);
      this.series.set(key, s);
    }
    return s;
  }

  /** labels(obj) or labels(value1, value2, ...) in labelNames order: the instrument bound to those labels. */
  bind(args) {
    if (args.length === 1 && args[0] !== null && typeof args[0] === "object") return args[0];
    const labels = {};
    args.forEach((v, i) => {
      if (i >= this.labelNames.length) throw new TypeError(`${this.name} has ${this.labelNames.length} labels, got ${args.length} values`);
      labels[this.labelNames[i]] = v;
    });
    return labels;
  }
}

/** (labels?, value?) as prom-client takes them: a first argument that is a number (or nothing) is the value. */
function split(a, b, fallback) {
  if (a === undefined || typeof a === "number") return [undefined, a ?? fallback];
  return [a, b ?? fallback];
}

export class Counter extends Instrument {
  constructor(opts) {
    super("counter", opts);
  }

  /** inc(), inc(value), inc(labels), inc(labels, value): adds a finite value >= 0 (default 1). */
  inc(labels, value) {
    [labels, value] = split(labels, value, 1);
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`${this.name}: a counter is increased by a finite number >= 0, not ${value}`);
    }
    this.state(labels, () => ({ delta: 0 })).delta += value;
  }

  labels(...args) {
    const labels = this.bind(args);
    return { inc: (value) => this.inc(labels, value) };
  }

  take() {
    if (this.series.size === 0) return "";
    let out = header(this.name, this.help, "counter");
    for (const s of this.series.values()) out += sample(this.name, s.pairs, s.delta);
    this.series.clear();
    return out;
  }
}

export class Gauge extends Instrument {
  constructor(opts) {
    super("gauge", opts);
    const aggregation = opts.aggregation ?? "last";
    if (!GAUGE_AGGREGATIONS.includes(aggregation)) {
      throw new TypeError(`aggregation of ${this.name} must be one of ${GAUGE_AGGREGATIONS.join(", ")}, not ${aggregation}`);
    }
    this.aggregation = aggregation;
    /** last/max/min gauges keep their level across flushes; only series touched since the last flush are sent. */
    this.levels = new Map();
  }

  sameAs(type, opts) {
    return super.sameAs(type, opts) && (opts.aggregation ?? "last") === this.aggregation;
  }

  set(labels, value) {
    [labels, value] = split(labels, value, undefined);
    if (this.aggregation === "sum") {
      throw new TypeError(`${this.name} is summed by Mayfly (aggregation "sum"): record its changes with inc() and dec(), not set()`);
    }
    this.record(labels, value, () => value);
  }

  inc(labels, value) {
    [labels, value] = split(labels, value, 1);
    this.record(labels, value, (level) => level + value);
  }

  dec(labels, value) {
    [labels, value] = split(labels, value, 1);
    this.record(labels, value, (level) => level - value, -1);
  }

  setToCurrentTime(labels) {
    this.set(labels ?? {}, Date.now() / 1000);
  }

  labels(...args) {
    const labels = this.bind(args);
    return {
      set: (v) => this.set(labels, v),
      inc: (v) => this.inc(labels, v),
      dec: (v) => this.dec(labels, v),
      setToCurrentTime: () => this.setToCurrentTime(labels),
    };
  }

  record(labels, value, next, sign = 1) {
    if (typeof value !== "number") throw new TypeError(`${this.name}: a gauge value is a number, not ${value}`);
    if (this.aggregation === "sum") {
      if (!Number.isFinite(value)) throw new TypeError(`${this.name} is summed by Mayfly: its changes must be finite, not ${value}`);
      this.state(labels, () => ({ value: 0 })).value += sign * value;
      return;
    }
    const s = this.state(labels, () => ({ value: undefined }));
    const key = JSON.stringify(s.pairs.map((p) => p[1]));
    const level = next(this.levels.get(key) ?? 0);
    this.levels.set(key, level);
    if (this.aggregation === "max" || this.aggregation === "min") {
      if (Number.isNaN(level)) throw new TypeError(`${this.name} is ${this.aggregation}imized by Mayfly: NaN has no order`);
      const better = this.aggregation === "max" ? level > s.value : level < s.value;
      if (s.value === undefined || better) s.value = level; // the extreme reached since the last flush
    } else {
      s.value = level;
    }
  }

  take() {
    if (this.series.size === 0) return "";
    let out = header(this.name, this.help, "gauge");
    for (const s of this.series.values()) {
      const pairs = this.aggregation === "last" ? s.pairs : [...s.pairs, [AGGREGATION_LABEL, this.aggregation]];
      out += sample(this.name, pairs, s.value);
    }
    this.series.clear();
    return out;
  }
}

export class Histogram extends Instrument {
  constructor(opts) {
    super("histogram", opts, ["le"]);
    const buckets = [...(opts.buckets ?? DEFAULT_BUCKETS)];
    if (buckets.length > 0 && buckets[buckets.length - 1] === Infinity) buckets.pop(); // +Inf is always there
    if (buckets.length === 0 || buckets.some((b, i) => typeof b !== "number" || !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]))) {
      throw new TypeError(`buckets of ${this.name} must be finite numbers in strictly increasing order, not [${opts.buckets}]`);
    }
    this.buckets = buckets;
  }

  sameAs(type, opts) {
    const buckets = [...(opts.buckets ?? DEFAULT_BUCKETS)].filter((b) => b !== Infinity);
    return super.sameAs(type, opts) && JSON.stringify(buckets) === JSON.stringify(this.buckets);
  }

  /** observe(value) or observe(labels, value): a finite value. */
  observe(labels, value) {
    [labels, value] = split(labels, value, undefined);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new TypeError(`${this.name}: a histogram observes finite numbers, not ${value}`);
    }
    const s = this.state(labels, () => ({ counts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 }));
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]) i++;
    s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** Starts a timer; the function it returns observes the seconds since then (labels given to both are merged). */
  startTimer(labels) {
    const start = now();
    return (endLabels) => {
      const seconds = (now() - start) / 1000;
      this.observe({ ...(labels ?? {}), ...(endLabels ?? {}) }, seconds);
      return seconds;
    };
  }

  labels(...args) {
    const labels = this.bind(args);
    return { observe: (v) => this.observe(labels, v), startTimer: () => this.startTimer(labels) };
  }

  take() {
    if (this.series.size === 0) return "";
    let out = header(this.name, this.help, "histogram");
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += s.counts[i];
        const le = i < this.buckets.length ? formatValue(this.buckets[i]) : "+Inf";
        out += sample(this.name + "_bucket", [...s.pairs, ["le", le]], cumulative);
      }
      out += sample(this.name + "_sum", s.pairs, s.sum);
      out += sample(this.name + "_count", s.pairs, s.count);
    }
    this.series.clear();
    return out;
  }
}
