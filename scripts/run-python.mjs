#!/usr/bin/env node
// Runs the project's .venv Python with the given arguments (used by npm scripts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const python = join(root, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
if (!existsSync(python)) {
  console.error('The Python environment is missing: run `npm run setup` first.');
  process.exit(1);
}
const r = spawnSync(python, process.argv.slice(2), { stdio: 'inherit', cwd: root, env: { ...process.env, DO_NOT_TRACK: '1' } });
process.exit(r.status ?? 1);
