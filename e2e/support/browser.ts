// Chromium for the end-to-end tests, driven by playwright-core. Playwright's own browser builds
// cannot be downloaded everywhere, so the executable comes from CLAIMS_CHROMIUM, else Debian's
// /usr/bin/chromium, else Playwright's installed browser if there is one.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

function chromiumPath(): string | undefined {
  if (process.env.CLAIMS_CHROMIUM) return process.env.CLAIMS_CHROMIUM;
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  try {
    return await chromium.launch({
      ...(executablePath ? { executablePath } : {}),
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-dev-shm-usage'],
    });
  } catch (err) {
    throw new Error(
      `Chromium could not start (${executablePath ?? "Playwright's default browser"}): ${(err as Error).message.split('\n')[0]}. ` +
        'Install it (Debian: apt-get install chromium) or point CLAIMS_CHROMIUM at a Chromium or Chrome executable.',
      { cause: err },
    );
  }
}
