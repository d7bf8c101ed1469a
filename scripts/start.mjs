#!/usr/bin/env node
// `npm start`: the desktop app where Electron's binary is installed; otherwise web mode, with one
// line saying why. Both serve the same renderer and the same service API.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from './electron-binary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const passthrough = process.argv.slice(2);


function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const electron = findElectronBinary();
if (electron.path) {
  run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn']);
  run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.preload.config.ts', '--logLevel', 'warn']);
  // the desktop app takes its workspace from the environment; `npm start -- --workspace <dir>` sets it
  const at = passthrough.indexOf('--workspace');
  const env = at >= 0 && passthrough[at + 1] ? { ...process.env, CLAIMS_WORKSPACE: passthrough[at + 1] } : process.env;
  const child = spawn(electron.path, [join(root, 'electron', 'bootstrap.mjs')], { cwd: root, stdio: 'inherit', env });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(`Electron's binary is not installed here (${electron.reason}); starting web mode instead.`);
  const child = spawn(process.execPath, [join(root, 'bin', 'claims.mjs'), 'ui', ...passthrough], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  // Ctrl+C reaches the child through the terminal; a plain kill of this process is passed on
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
}
