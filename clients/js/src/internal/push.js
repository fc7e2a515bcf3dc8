// One push to Mayfly's Pushgateway API, retried with the same Idempotency-Key (so Mayfly counts it once) on 429,
// 502, 503, 504, network errors and attempt timeouts: exponential backoff with jitter, at least what Retry-After
// asks, never past the flush's deadline. Any other answer is final: a 2xx means Mayfly will count the push, a 4xx
// names what it refused (nothing of the push was written).

export class MayflyPushError extends Error {
  constructor(message, { status, body, attempts, idempotencyKey, retryable, cause }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "MayflyPushError";
    /** The HTTP status of the last answer; undefined when no answer came (network error, timeout). */
    this.status = status;
    /** The gateway's one-line explanation (the body of its last answer), or "". */
    this.body = body ?? "";
    this.attempts = attempts;
    this.idempotencyKey = idempotencyKey;
    /** True when the push may still be accepted later: it is kept and sent again by the next flush(). */
    this.retryable = retryable;
  }
}

const RETRIED_STATUSES = new Set([429, 502, 503, 504]);
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;

/** gzip bytes with the runtime's CompressionStream, or null where there is none. */
export async function gzip(bytes) {
  if (typeof CompressionStream !== "function") return null;
  const stream = new Response(bytes).body.pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), or 0. */
export function retryAfterMs(header, nowMs) {
  if (!header) return 0;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - nowMs);
}

/**
 * Sends `push` ({url, key, body, headers}) until an answer is final or the deadline (epoch ms) leaves no room for
 * another attempt. Resolves with the number of attempts on a 2xx; rejects with a MayflyPushError otherwise.
 */
export async function send(push, { fetch, deadline, attemptTimeoutMs }) {
  let attempts = 0;
  const started = Date.now();
  for (;;) {
    attempts++;
    const timeout = Math.max(1, Math.min(attemptTimeoutMs, deadline - Date.now()));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeout);
    let response;
    let problem;
    let body = "";
    try {
      response = await fetch(push.url, { method: "POST", headers: { ...push.headers, "Idempotency-Key": push.key }, body: push.body, signal: abort.signal });
      body = (await response.text()).trim();
    } catch (e) {
      problem = abort.signal.aborted ? new Error(`no answer within ${timeout} ms`) : e;
    } finally {
      clearTimeout(timer);
    }
    if (response !== undefined && problem === undefined) {
      if (response.ok) return attempts;
      if (!RETRIED_STATUSES.has(response.status)) {
        throw new MayflyPushError(`Mayfly refused the push with ${response.status}: ${body || response.statusText}`,
          { status: response.status, body, attempts, idempotencyKey: push.key, retryable: false });
      }
    }
    const backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempts - 1)) * (0.5 + Math.random() / 2);
    const wait = Math.max(backoff, retryAfterMs(response?.headers.get("Retry-After"), Date.now()));
    if (Date.now() + wait >= deadline) {
      const last = problem !== undefined ? `${problem.message ?? problem}` : `${response.status} ${body || response.statusText}`;
      throw new MayflyPushError(`push not acknowledged after ${attempts} attempt(s) in ${Date.now() - started} ms (last: ${last}); `
        + `it is kept and sent again, with the same Idempotency-Key, by the next flush()`,
        { status: response?.status, body, attempts, idempotencyKey: push.key, retryable: true, cause: problem });
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
