#!/usr/bin/env node
// Runs a project Python with the given arguments (used by npm scripts): .venv's by default, or
// that of the environment named first with --venv (e.g. --venv .venv-airflow).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const venv = args[0] === '--venv' ? args.splice(0, 2)[1] : '.venv';
if (!/^\.venv[\w-]*$/.test(venv ?? '')) {
  console.error(`--venv: expected one of the project's environments (.venv, .venv-airflow), got "${venv}".`);
  process.exit(2);
}
const python = join(root, venv, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
if (!existsSync(python)) {
  console.error(`The Python environment ${venv} is missing: run \`npm run setup\` first.`);
  process.exit(1);
}
const r = spawnSync(python, args, { stdio: 'inherit', cwd: root, env: { ...process.env, DO_NOT_TRACK: '1' } });
process.exit(r.status ?? 1);
