#!/usr/bin/env node
// Copies the screenshots the e2e run saved (e2e/artifacts/) into docs/images/ for the user guide.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'e2e', 'artifacts');
const to = join(root, 'docs', 'images');
if (!existsSync(from)) {
  console.error('No screenshots yet: run npm run test:e2e first.');
  process.exit(1);
}
mkdirSync(to, { recursive: true });
const files = readdirSync(from).filter((f) => f.endsWith('.png'));
for (const f of files) copyFileSync(join(from, f), join(to, f));
console.log(`copied ${files.length} screenshots to docs/images/`);
