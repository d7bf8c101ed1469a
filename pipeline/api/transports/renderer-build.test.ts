import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ensureRendererBuilt } from './renderer-build.ts';

// Built here under the test runner's NODE_ENV=test, as the e2e suite and a later `claims ui` find it.
it('builds the renderer as a production bundle, whatever NODE_ENV the builder runs under', async () => {
  expect(process.env.NODE_ENV).toBe('test');
  const dist = await ensureRendererBuilt();
  expect(process.env.NODE_ENV).toBe('test');
  const assets = join(dist, 'assets');
  const entry = readdirSync(assets).find((f) => /^index-.*\.js$/.test(f))!;
  const code = readFileSync(join(assets, entry), 'utf8');
  // React's development JSX runtime and its dev-only warnings are not in a production bundle
  expect(code.includes('jsxDEV'), `${entry} is a development build`).toBe(false);
  expect(code.length).toBeGreaterThan(100_000);
}, 120_000);
