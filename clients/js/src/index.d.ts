// Types of mayfly-metrics (src/index.js). See README.md.

export type Labels = Record<string, string | number>;

export interface MetricsOptions {
  /** Mayfly's HTTP address, e.g. "http://localhost:9091" (the gateway or `mayfly standalone`). */
  url: string;
  /** The job label of every series pushed. */
  job: string;
  /** Sent as `Authorization: Bearer <token>` (the gateway's push.auth.token.file). */
  token?: string;
  /** Labels added to every series of every push, in the push URL; empty values are left out. */
  groupingLabels?: Record<string, string | number>;
  /** The most one flush() takes, retries included, in ms (default 10000). */
  timeoutMs?: number;
  /** The most one attempt waits for Mayfly's answer, in ms (default 5000). */
  attemptTimeoutMs?: number;
  /** gzip the body with CompressionStream: always, never, or "auto" (default: bodies of 1 KiB and more). */
  gzip?: boolean | "auto";
  /** With it, flush() never rejects: a failure is handed here and flush() resolves with it in `error`. */
  onError?: (error: MayflyPushError) => void;
  /** The fetch to push with (default: the global fetch), e.g. a Worker service binding's. */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

export interface MetricOptions<L extends string = string> {
  /** [a-zA-Z_:][a-zA-Z0-9_:]*, not starting with mayfly_. */
  name: string;
  help?: string;
  labelNames?: readonly L[];
}

export interface GaugeOptions<L extends string = string> extends MetricOptions<L> {
  /**
   * How Mayfly combines this gauge across pushes, where a rule of its rules file allows it (`allow`); otherwise the
   * rule's aggregation applies (by default last). "last" (default): the level. "max"/"min": the highest/lowest level
   * reached since the last flush. "sum": the changes since the last flush (inc/dec only), summed by Mayfly.
   */
  aggregation?: "last" | "sum" | "max" | "min";
}

export interface HistogramOptions<L extends string = string> extends MetricOptions<L> {
  /** Upper bounds, finite and strictly increasing; +Inf is always added. Default prom-client's. */
  buckets?: readonly number[];
}

export declare class Counter<L extends string = string> {
  readonly name: string;
  inc(value?: number): void;
  inc(labels: Partial<Record<L, string | number>>, value?: number): void;
  labels(...values: Array<string | number>): { inc(value?: number): void };
  labels(labels: Partial<Record<L, string | number>>): { inc(value?: number): void };
}

export interface BoundGauge {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
  setToCurrentTime(): void;
}

export declare class Gauge<L extends string = string> {
  readonly name: string;
  set(value: number): void;
  set(labels: Partial<Record<L, string | number>>, value: number): void;
  inc(value?: number): void;
  inc(labels: Partial<Record<L, string | number>>, value?: number): void;
  dec(value?: number): void;
  dec(labels: Partial<Record<L, string | number>>, value?: number): void;
  setToCurrentTime(labels?: Partial<Record<L, string | number>>): void;
  labels(...values: Array<string | number>): BoundGauge;
  labels(labels: Partial<Record<L, string | number>>): BoundGauge;
}

export interface BoundHistogram {
  observe(value: number): void;
  startTimer(): (labels?: Labels) => number;
}

export declare class Histogram<L extends string = string> {
  readonly name: string;
  observe(value: number): void;
  observe(labels: Partial<Record<L, string | number>>, value: number): void;
  /** The returned function observes the seconds since the start (and returns them). */
  startTimer(labels?: Partial<Record<L, string | number>>): (labels?: Partial<Record<L, string | number>>) => number;
  labels(...values: Array<string | number>): BoundHistogram;
  labels(labels: Partial<Record<L, string | number>>): BoundHistogram;
}

export interface FlushResult {
  /** Pushes Mayfly acknowledged (0 when nothing was recorded; more than 1 when earlier pushes were resent). */
  pushes: number;
  /** HTTP attempts made. */
  attempts: number;
  /** Only with onError: the failure handed to it. */
  error?: MayflyPushError;
}

export declare class Metrics {
  constructor(options: MetricsOptions);
  counter<L extends string = string>(options: MetricOptions<L>): Counter<L>;
  gauge<L extends string = string>(options: GaugeOptions<L>): Gauge<L>;
  histogram<L extends string = string>(options: HistogramOptions<L>): Histogram<L>;
  /**
   * Sends what was recorded since the last flush as ONE push with its own Idempotency-Key, kept across retries (and
   * first resends pushes earlier flushes could not deliver). Resolves once Mayfly acknowledged; rejects with a
   * MayflyPushError at once on a refusal (4xx) or after timeoutMs, unless onError was given.
   */
  flush(): Promise<FlushResult>;
  /** Pushes from earlier flushes that were not acknowledged, waiting to be sent again (at most 16). */
  readonly pendingPushes: number;
}

export declare class MayflyPushError extends Error {
  readonly name: "MayflyPushError";
  /** The HTTP status of the last answer; undefined when none came (network error, timeout). */
  readonly status: number | undefined;
  /** The gateway's one-line explanation, or "". */
  readonly body: string;
  readonly attempts: number;
  readonly idempotencyKey: string;
  /** True when the push may still be accepted: it is kept and sent again by the next flush(). */
  readonly retryable: boolean;
}
