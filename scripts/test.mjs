#!/usr/bin/env node
// `npm test`: every suite, in two lanes at once, then the end-to-end tests alone.
// Most of the suites wait more than they compute (a Spark JVM starting, dbt importing, an emulator
// answering), so on two cores the TypeScript lane and the Python lane overlap well. They share
// nothing: each starts its own emulator on a free port in its own temporary folder, and every dbt
// build has its own target folder. The e2e suite runs last and alone because it drives a browser
// against timing a loaded machine would blur. Each line is prefixed with its script's name; a
// failing script stops its lane (the other lane finishes), the e2e suite then does not start, and
// the exit status is 1. `--serial` runs the same scripts one after another, unprefixed.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const LANES = [
  ['typecheck', 'lint', 'test:ts'],
  ['test:py', 'test:airflow'],
];
const LAST = ['test:e2e'];
const ALL = [...LANES.flat(), ...LAST];
const serial = process.argv.includes('--serial');

// under `npm test`, the npm that started this script (its CLI on this Node); else npm from PATH
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
const width = Math.max(...ALL.map((s) => s.length));
const timings = [];
const children = new Set();

function prefixed(stream, label, out) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const lines = (rest + chunk).split(/\r?\n/);
    rest = lines.pop() ?? '';
    for (const line of lines) out.write(`${label} │ ${line}\n`);
  });
  stream.on('end', () => rest && out.write(`${label} │ ${rest}\n`));
}

/** Runs one npm script; resolves to its exit status. */
function runScript(script, prefix) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(npm[0], [...npm.slice(1), 'run', '--silent', script], { cwd: root, stdio: prefix ? ['ignore', 'pipe', 'pipe'] : 'inherit', env: process.env });
    children.add(child);
    if (prefix) {
      const label = script.padEnd(width);
      prefixed(child.stdout, label, process.stdout);
      prefixed(child.stderr, label, process.stderr);
    }
    let settled = false;
    const settle = (status) => {
      if (settled) return;
      settled = true;
      children.delete(child);
      timings.push({ script, seconds: (Date.now() - started) / 1000, status });
      resolve(status);
    };
    child.on('error', (err) => {
      process.stderr.write(`${script}: could not start npm: ${err.message}\n`);
      settle(1);
    });
    child.on('close', (code, signal) => settle(code ?? (signal ? 1 : 0)));
  });
}

async function runLane(scripts, prefix) {
  for (const script of scripts) if ((await runScript(script, prefix)) !== 0) return false;
  return true;
}

// a stopped `npm test` stops its suites too (each suite stops the servers it started)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(130);
  });
}

const started = Date.now();
let ok;
if (serial) ok = await runLane(ALL, false);
else ok = (await Promise.all(LANES.map((lane) => runLane(lane, true)))).every(Boolean) && (await runLane(LAST, false));

const minutes = (seconds) => {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
};
console.log(`\n${serial ? 'one after another' : 'two lanes, then e2e'}: ${minutes((Date.now() - started) / 1000)}`);
for (const t of timings) console.log(`  ${t.script.padEnd(width)}  ${minutes(t.seconds).padStart(12)}  ${t.status === 0 ? 'passed' : `failed (exit ${t.status})`}`);
const ran = new Set(timings.map((t) => t.script));
const skipped = ALL.filter((s) => !ran.has(s));
if (skipped.length) console.log(`  not run after the failure: ${skipped.join(', ')}`);
process.exit(ok ? 0 : 1);
