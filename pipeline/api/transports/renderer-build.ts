// Web mode serves the built renderer. From a source checkout the build may be missing or older
// than the sources; then it is built once, before the server starts.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const RENDERER_DIST = join(ROOT, 'dist', 'renderer');
const SOURCES = [join(ROOT, 'renderer'), join(ROOT, 'pipeline', 'api', 'protocol.ts'), join(ROOT, 'vite.config.ts'), fileURLToPath(import.meta.url)];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((m, name) => Math.max(m, newestMtime(join(path, name))), s.mtimeMs);
}

export async function ensureRendererBuilt(log: (line: string) => void = () => {}): Promise<string> {
  const index = join(RENDERER_DIST, 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (built && built >= Math.max(...SOURCES.map(newestMtime))) return RENDERER_DIST;
  if (!existsSync(join(ROOT, 'renderer'))) {
    if (built) return RENDERER_DIST;
    throw new Error(`The app is not built (${index} is missing) and there are no renderer sources to build it from.`);
  }
  log(built ? '  renderer sources changed: rebuilding the app…' : '  building the app (first start)…');
  const { build } = await import('vite');
  // Vite takes React's development or production build from NODE_ENV when it is set, whatever the
  // mode: a test runner's NODE_ENV=test gave a development bundle (React's per-element dev checks
  // took 40 s of the page's main thread in a 6-minute cloud run), which later starts then served.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(ROOT, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  return RENDERER_DIST;
}
