// The Prometheus text exposition format 0.0.4, written the way Mayfly's gateway reads it (gateway/README.md,
// "Formats"): HELP and TYPE lines, label values with \\ \" \n escaped, HELP with \\ and \n escaped, histograms as
// cumulative _bucket samples ending with le="+Inf", then _sum and _count. No timestamps (the gateway refuses them).

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const RESERVED_PREFIX = "mayfly_";

/** Throws a TypeError unless `name` is a metric name Mayfly accepts. */
export function checkMetricName(name) {
  if (typeof name !== "string" || !METRIC_NAME.test(name)) {
    throw new TypeError(`invalid metric name ${JSON.stringify(name)}: it must match [a-zA-Z_:][a-zA-Z0-9_:]*`);
  }
  if (name.startsWith(RESERVED_PREFIX)) {
    throw new TypeError(`metric name ${name} is reserved: names starting with ${RESERVED_PREFIX} are Mayfly's own`);
  }
}

/** Throws a TypeError unless `name` is a label name Mayfly accepts; `what` says where it is used. */
export function checkLabelName(name, what) {
  if (typeof name !== "string" || !LABEL_NAME.test(name) || name.startsWith("__")) {
    throw new TypeError(`invalid label name ${JSON.stringify(name)} in ${what}: it must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __`);
  }
  if (name.startsWith(RESERVED_PREFIX)) {
    throw new TypeError(`label name ${name} in ${what} is reserved: labels starting with ${RESERVED_PREFIX} are Mayfly's own`);
  }
}

export function escapeLabelValue(value) {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function escapeHelp(help) {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A sample value: finite numbers as JavaScript writes them (1e+21 included), else +Inf, -Inf, NaN. */
export function formatValue(v) {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

/** `{a="x",b="y"}` for the pairs whose value is not empty (an empty value is no label), or "" when none. */
export function formatLabels(pairs) {
  let out = "";
  for (const [name, value] of pairs) {
    if (value === "") continue;
    out += (out === "" ? "{" : ",") + name + '="' + escapeLabelValue(value) + '"';
  }
  return out === "" ? "" : out + "}";
}

/** The HELP and TYPE lines of a family. */
export function header(name, help, type) {
  return (help ? `# HELP ${name} ${escapeHelp(help)}\n` : "") + `# TYPE ${name} ${type}\n`;
}

/** One sample line. */
export function sample(name, pairs, value) {
  return name + formatLabels(pairs) + " " + formatValue(value) + "\n";
}
