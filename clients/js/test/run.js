// `npm test`: starts a real `mayfly standalone` (the launcher's jar, built by `mvn -pl launcher -am package`) with a
// push token and a rules file that lets pushers choose a gauge's aggregation, on free loopback ports and its data under target/, runs `node --test test/*.test.js` against it, and stops it.
// With MAYFLY_TEST_URL and MAYFLY_TEST_TOKEN already set (system-tests' JsClientIT), it only runs the tests.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on("error", reject);
  });
}

/** Mayfly reads MAYFLY_* variables as configuration: the tests' own (MAYFLY_TEST_*) are none of its business. */
function withoutMayflyVariables(env) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith("MAYFLY_")));
}

async function startMayfly() {
  const jar = path.resolve(root, "../../launcher/target/mayfly.jar");
  if (!existsSync(jar)) throw new Error(`${jar} is missing: build it with mvn -B -q -pl launcher -am -DskipTests package`);
  const dir = path.join(root, "target", `standalone-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const token = crypto.randomUUID();
  writeFileSync(path.join(dir, "tokens"), `${token}\n`);
  // pushers may ask for a gauge's aggregation (mayfly_aggregation) only where a rule allows it
  writeFileSync(path.join(dir, "rules.yaml"), 'rules:\n  - match: "*"\n    allow: [last, sum, max, min]\n');
  const httpPort = Number(process.env.MAYFLY_TEST_HTTP_PORT) || await freePort();
  const kafkaPort = Number(process.env.MAYFLY_TEST_KAFKA_PORT) || await freePort();
  const log = path.join(dir, "standalone.log");
  const child = spawn("java", ["-Xmx1g", "-XX:+UseSerialGC", "-jar", jar, "standalone", "--data-dir", path.join(dir, "data"),
    "--http-port", String(httpPort), "--kafka-port", String(kafkaPort), "--bind", "127.0.0.1",
    "--set", "publish.interval=100ms", "--set", `push.auth.token.file=${path.join(dir, "tokens")}`,
    "--set", `rules.file=${path.join(dir, "rules.yaml")}`],
  { stdio: ["ignore", "pipe", "pipe"], env: withoutMayflyVariables(process.env) });
  let output = "";
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Mayfly not ready within 120 s:\n${output}`)), 120_000);
    const read = (chunk) => {
      output += chunk;
      writeFileSync(log, output);
      if (output.includes("Mayfly is ready")) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`Mayfly exited with ${code}:\n${output}`)); });
  });
  const stop = () => child.kill("SIGTERM");
  process.on("exit", stop); // also when the tests fail or this runner is stopped
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(1));
  await ready;
  return { url: `http://127.0.0.1:${httpPort}`, token, stop };
}

let mayfly = null;
if (!process.env.MAYFLY_TEST_URL) {
  mayfly = await startMayfly();
  console.log(`mayfly standalone on ${mayfly.url}`);
}
const env = { ...process.env, MAYFLY_TEST_URL: process.env.MAYFLY_TEST_URL ?? mayfly.url, MAYFLY_TEST_TOKEN: process.env.MAYFLY_TEST_TOKEN ?? mayfly.token };
const files = readdirSync(here).filter((f) => f.endsWith(".test.js")).map((f) => path.join("test", f));
const tests = spawn(process.execPath, ["--test", "--test-concurrency=1", ...files], { cwd: root, env, stdio: "inherit" });
const code = await new Promise((resolve) => tests.on("exit", (c) => resolve(c ?? 1)));
mayfly?.stop();
process.exit(code);
