// Where Electron's binary is, without triggering its download: requiring the `electron` package
// fetches the binary when it is missing, which on an offline machine only fails slowly.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'electron');

/** @returns {{ path: string } | { reason: string }} */
export function findElectronBinary() {
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pkg)) return { reason: 'the electron package is not installed (run npm install)' };
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist');
  const binary = relative ? join(dist, relative) : null;
  if (binary && existsSync(binary)) return { path: binary };
  return { reason: `${dist} has no Electron binary: its download (npx install-electron) needs access to Electron's release server` };
}
