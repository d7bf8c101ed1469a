// The user journeys, in Chromium against web mode, on data generated and run through the real
// pipeline in the test. What is shown is checked against DuckDB: row counts, statuses and KPI
// values are compared with SQL on the warehouse. Lineage and the marts dashboard need the dbt
// transform stage; until the pipeline has it, those two journeys say so and are skipped.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetJobRunCommand } from '@aws-sdk/client-glue';
import type { AppInfo, RunRecord } from '../pipeline/api/protocol.ts';
import { Pseudonyms } from '../pipeline/api/pii/pseudonyms.ts';
import { awsClients } from '../pipeline/aws/clients.ts';
import { awsForProfile } from '../pipeline/aws/profile-settings.ts';
import { openDuckDB, queryNumber } from '../pipeline/duckdb/connection.ts';
import { stopEmulator } from '../pipeline/emulator/index.ts';
import { loadProfile } from '../pipeline/profiles/load.ts';
import type { AwsProfile } from '../pipeline/profiles/types.ts';
import { startPipelineRun } from '../pipeline/run/index.ts';
import { secretServiceMissing, startSecretService, type SecretService } from '../pipeline/snowflake/testing/secret-service.ts';
import { processesNaming } from '../pipeline/testing/processes.ts';
import { tempDir } from '../pipeline/testing/tmp.ts';
import { workspacePaths } from '../pipeline/workspace.ts';
import { startApp, type RunningApp } from './support/app.ts';
import { launchBrowser } from './support/browser.ts';
import { shot } from './support/shots.ts';

let browser: Browser;
let root: string;
let cleanup: () => Promise<void>;
let app: RunningApp;
let page: Page;
let info: AppInfo;

const money = (n: number) => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 }).format(n);
const int = (n: number) => new Intl.NumberFormat('en-US').format(n);

async function sqlNumber(a: RunningApp, sql: string): Promise<number> {
  const r = await a.service.call('sql.query', { sql });
  if (!r.ok) throw new Error(r.error.message);
  return Number(r.result.rows[0]?.[0]);
}

/** Reveals PII in the page's session from the top bar, confirming. */
async function revealPii(p: Page): Promise<void> {
  await p.getByTestId('pii-state').click();
  await p.getByTestId('pii-reveal-confirm').click();
  await p.getByTestId('pii-hide').waitFor();
}

/** A stage's list of Snowflake statements; past a dozen it starts folded, so it is opened. */
async function unfoldedQueries(p: Page, stage: string): Promise<Locator> {
  const panel = p.getByLabel(`Stage ${stage}`);
  const list = panel.getByTestId('stage-queries');
  await panel.locator('.identity-queries summary').waitFor();
  if (!(await list.isVisible())) await panel.locator('.identity-queries summary').click();
  await list.waitFor();
  return list;
}

async function open(p: Page, a: RunningApp, hash = ''): Promise<void> {
  // every link is good once: each opening takes a fresh one, as `claims ui link` gives
  await p.goto(a.newLink());
  await p.waitForSelector('.shell');
  if (hash) await p.evaluate((h) => (location.hash = h), hash);
}

beforeAll(async () => {
  browser = await launchBrowser();
  ({ dir: root, cleanup } = await tempDir('claims-e2e-'));
  app = await startApp(join(root, 'main'));
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const r = await app.service.call('app.info', {});
  if (!r.ok) throw new Error(r.error.message);
  info = r.result;
});

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await cleanup?.();
});

describe('web mode', () => {
  it('asks for a link when opened without one, and refuses a link used twice', async () => {
    const p = await browser.newPage();
    const calls: number[] = [];
    p.on('response', (r) => r.url().includes('/api/') && calls.push(r.status()));
    await p.goto(app.url);
    await p.getByTestId('sign-in-needed').getByText('Open the app from the link').waitFor();
    const link = app.newLink();
    await p.goto(link);
    await p.waitForSelector('.shell');
    // the code left the address bar (and the history entry) as soon as it was spent
    expect(p.url()).not.toContain('code=');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((s) => s === 200)).toBe(true);
    const other = await browser.newPage();
    await other.goto(link);
    await other.getByTestId('sign-in-needed').getByText('already used or has expired').waitFor();
    await other.close();
    await p.close();
  });

  it('lets no credential reach another listener on 127.0.0.1: no cookie, code or session', async () => {
    const { createServer } = await import('node:http');
    const seen: { url: string; headers: Record<string, unknown>; body: string }[] = [];
    const listener = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'text/html' });
        // the other listener's page asks its own origin for everything the browser would send it
        res.end(`<!doctype html><script>fetch('/probe', { method: 'POST', credentials: 'include', body: document.cookie + '|' + JSON.stringify(sessionStorage) + '|' + JSON.stringify(localStorage) })</script>`);
      });
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
    const port = (listener.address() as { port: number }).port;
    const context = await browser.newContext();
    const p = await context.newPage();
    try {
      const link = app.newLink();
      await p.goto(link);
      await p.waitForSelector('.shell');
      await p.evaluate(() => (location.hash = '#/data'));
      await p.waitForTimeout(300);
      const session = await p.evaluate(() => sessionStorage.getItem('claims.session'));
      expect(session).toBeTruthy();
      expect((await context.cookies()).length).toBe(0);
      for (const host of ['127.0.0.1', 'localhost']) {
        await p.goto(`http://${host}:${port}/page`);
        await p.waitForFunction((n) => document.readyState === 'complete' && n > 0, seen.length);
        await p.waitForTimeout(300);
      }
      expect(seen.filter((s) => s.url === '/probe').length).toBe(2);
      const everything = JSON.stringify(seen);
      expect(everything).not.toContain(session!);
      expect(everything).not.toContain(new URL(link).hash.slice('#code='.length));
      for (const s of seen) {
        expect(s.headers.cookie, s.url).toBeUndefined();
        expect(s.headers.authorization, s.url).toBeUndefined();
        // the probe's referer is the listener's own page; nothing may point back at the app
        expect(String(s.headers.referer ?? ''), s.url).not.toContain(`:${app.port}`);
      }
    } finally {
      await context.close();
      await new Promise<void>((r) => listener.close(() => r()));
    }
  });

  it('shows designed empty states before any data exists', async () => {
    await open(page, app, '#/data');
    await page.getByText('No datasets yet').waitFor();
    await open(page, app, '#/quality');
    await page.getByTestId('quality-quarantine').getByText('No cleanse has run yet').waitFor();
    await shot(page, 'quality-empty');
    await page.evaluate(() => (location.hash = '#/lineage'));
    await page.getByText('No dbt run yet').waitFor();
    await page.evaluate(() => (location.hash = '#/analytics'));
    await page.getByText('No pipeline run yet').first().waitFor();
    await shot(page, 'analytics-empty');
    await page.evaluate(() => (location.hash = '#/history'));
    await page.getByText('No pipeline run yet').first().waitFor();
    await page.evaluate(() => (location.hash = '#/pipeline'));
    await page.getByText('No pipeline run yet').waitFor();
    await shot(page, 'pipeline-empty');
  });
});

describe('generate and preview', () => {
  it('generates a batch with progress and lists it', async () => {
    await open(page, app, '#/generate');
    await page.getByRole('button', { name: 'Small' }).click();
    await page.fill('input[name=seed]', '7');
    await page.fill('input[name=dirtyRate]', '0.03');
    await page.getByTestId('generate-start').click();
    await page.getByTestId('generate-progress').waitFor();
    await page.waitForSelector('[data-testid=generate-status]:text-is("succeeded")', { timeout: 120_000 });
    const batches = await app.service.call('generate.batches', {});
    if (!batches.ok) throw new Error(batches.error.message);
    const claims = batches.result[0]!.rows.claims!;
    await expect(page.getByTestId('batches-table').textContent()).resolves.toContain(int(claims));
    await shot(page, 'generate');
  });

  it('shows validation messages beside the field', async () => {
    await page.fill('input[name=members]', '3');
    await page.getByTestId('generate-start').click();
    await page.locator('#members-msg.field-error').waitFor();
    await expect(page.locator('#members-msg').textContent()).resolves.toMatch(/between 10 and/);
    await page.getByRole('button', { name: 'Small' }).click();
  });

  it('browses the generated claims with sort, filter and a column profile', async () => {
    await open(page, app, '#/data?source=generated&name=claims&batch=1');
    const csv = join(root, 'main', 'generated', 'batch=1', 'claims', 'part-00000.csv');
    const db = await openDuckDB();
    const read = `read_csv('${csv}', header = true, all_varchar = true, null_padding = true, strict_mode = false, quote = '"', escape = '"')`;
    const total = await queryNumber(db.conn, `SELECT count(*) FROM ${read}`);
    const paid = await queryNumber(db.conn, `SELECT count(*) FROM ${read} WHERE claim_status = 'paid'`);
    db.close();
    await page.waitForSelector(`[data-testid=grid-total]:text-is("${int(total)} rows")`);
    // filter: claim_status = paid
    await page.getByRole('button', { name: 'Add filter' }).click();
    await page.getByLabel('Filter column').selectOption('claim_status');
    await page.getByLabel('Filter value').fill('paid');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForSelector(`[data-testid=grid-total]:text-is("${int(paid)} rows")`);
    // sort by billed amount, descending (two clicks)
    await page.getByRole('button', { name: 'Sort by billed_amount' }).click();
    await page.getByRole('button', { name: 'Sort by billed_amount' }).click();
    await page.getByText('sorted by billed_amount desc').waitFor();
    // profile panel
    await page.locator('[role=columnheader]', { hasText: 'billed_amount' }).click();
    await page.getByTestId('profile-panel').getByText('Top values').waitFor();
    await page.getByTestId('profile-null').waitFor();
    await shot(page, 'data');
  });

  it('moves through the grid with the keyboard', async () => {
    const grid = page.getByTestId('grid');
    await grid.focus();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await expect(grid.getAttribute('aria-activedescendant')).resolves.toBe('cell-2-1');
    await page.keyboard.press('End');
    const cols = Number(await grid.getAttribute('aria-colcount'));
    await expect(grid.getAttribute('aria-activedescendant')).resolves.toBe(`cell-2-${cols - 1}`);
    await page.keyboard.press('Control+End');
    const rows = Number(await grid.getAttribute('aria-rowcount')) - 1;
    await expect(grid.getAttribute('aria-activedescendant')).resolves.toBe(`cell-${rows - 1}-${cols - 1}`);
    await page.locator(`#cell-${rows - 1}-${cols - 1}`).waitFor();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Enter');
    await page.getByTestId('profile-panel').getByText('claim_id').waitFor();
  });
});

describe('profiles and theme', () => {
  it('shows the active profile, creates one with validation messages in place, switches in one click', async () => {
    await open(page, app, '#/profiles');
    await page.getByTestId('profiles-table').getByText('local').first().waitFor();
    await page.getByTestId('profile-active').waitFor();
    await expect(page.getByTestId('profile-switcher').inputValue()).resolves.toBe('local');
    // the built-in cloud-emulator profile is listed beside local, not active
    await page.getByTestId('profiles-table').getByText('cloud-emulator').first().waitFor();
    await expect(page.getByTestId('profile-switcher').locator('option').allTextContents()).resolves.toEqual(expect.arrayContaining([expect.stringContaining('local'), expect.stringContaining('cloud-emulator')]));
    await page.getByTestId('profile-new').click();
    const editor = page.getByTestId('profile-editor');
    await editor.waitFor();
    await page.fill('input[name=profile-name]', 'laptop');
    await editor.getByLabel('generate.members').fill('5');
    await editor.getByLabel('generate.members').blur();
    await editor.locator('.field-error', { hasText: '>= 10' }).waitFor();
    await shot(page, 'profiles-edit');
    await editor.getByLabel('generate.members').fill('800');
    await editor.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('profiles-table').getByText('laptop').waitFor();
    await page.getByTestId('profile-switcher').selectOption('laptop');
    await page.getByTestId('profiles-table').locator('tr', { hasText: 'laptop' }).getByTestId('profile-active').waitFor();
    const yaml = readFileSync(join(root, 'main', 'profiles.yaml'), 'utf8');
    expect(yaml).toMatch(/active: laptop/);
    expect(yaml).toMatch(/members: 800/);
    await page.getByTestId('profile-switcher').selectOption('local');
    await page.getByTestId('profiles-table').locator('tr', { hasText: 'local' }).getByTestId('profile-active').waitFor();
    await shot(page, 'profiles');
  });

  it('opens the shortcuts dialog from the keyboard, keeps focus inside it, closes on Escape', async () => {
    await open(page, app, '#/generate');
    await page.locator('h1').click();
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    await expect(page.getByTestId('shortcuts').locator('tr').count()).resolves.toBeGreaterThan(8);
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      await expect(page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'))).resolves.toBe(true);
    }
    await page.keyboard.press('Shift+Tab');
    await expect(page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'))).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await expect(dialog.count()).resolves.toBe(0);
  });

  it('switches between dark and light themes', async () => {
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    await page.getByTestId('theme-toggle').click();
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('light');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(245, 246, 248)');
    await open(page, app, '#/data?source=generated&name=claims&batch=1');
    await page.locator('[role=columnheader]', { hasText: 'claim_status' }).click();
    await page.getByTestId('profile-panel').getByText('Top values').waitFor();
    await shot(page, 'data-light');
    await page.getByTestId('theme-toggle').click();
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
  });
});

describe('SQL console', () => {
  let sqlApp: RunningApp;
  let p: Page;
  beforeAll(async () => {
    // a warehouse file made here for the console: the generated members loaded into raw.members
    const ws = join(root, 'sql');
    mkdirSync(ws, { recursive: true });
    const db = await openDuckDB({ path: join(ws, 'warehouse.duckdb') });
    await db.conn.run(`CREATE SCHEMA raw; CREATE TABLE raw.members AS SELECT * FROM read_csv('${join(root, 'main', 'generated', 'batch=1', 'members', 'part-00000.csv')}', header = true, all_varchar = true, null_padding = true, strict_mode = false)`);
    db.close();
    sqlApp = await startApp(ws);
    p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await p?.close();
    await sqlApp?.stop();
  });

  it('runs a read-only query and shows the rows in the grid', async () => {
    const n = await sqlNumber(sqlApp, 'SELECT count(*) FROM raw.members');
    await open(p, sqlApp, '#/sql');
    await p.getByTestId('sql-editor').fill('SELECT plan_id, count(*) AS members\nFROM raw.members\nGROUP BY plan_id\nORDER BY members DESC');
    await p.getByTestId('sql-run').click();
    await p.getByTestId('sql-summary').waitFor();
    const plans = await sqlNumber(sqlApp, 'SELECT count(DISTINCT plan_id) + count(*) FILTER (WHERE plan_id IS NULL) > 0 FROM raw.members');
    expect(plans).toBeGreaterThan(0);
    await p.getByTestId('sql-editor').fill('SELECT count(*) AS members FROM raw.members');
    await p.getByTestId('sql-editor').press('Control+Enter');
    await p.locator('#cell-0-0', { hasText: String(n) }).waitFor();
    await p.getByTestId('sql-editor').fill('SELECT plan_id, count(*) AS members\nFROM raw.members\nGROUP BY plan_id\nORDER BY members DESC');
    await p.getByTestId('sql-run').click();
    await p.locator('#cell-0-0').waitFor();
    await shot(p, 'sql');
  });

  it('points at the failing position and refuses writes', async () => {
    await p.getByTestId('sql-editor').fill('SELECT member_id,\n  no_such_column\nFROM raw.members');
    await p.getByTestId('sql-run').click();
    await expect(p.getByTestId('sql-error-position').textContent()).resolves.toContain('line 2, column 3');
    await shot(p, 'sql-error');
    await p.getByTestId('sql-editor').fill('DELETE FROM raw.members');
    await p.getByTestId('sql-run').click();
    await p.getByTestId('sql-error').getByText('queries only').waitFor();
  });
});

describe('pipeline journeys', () => {
  let dbt = false;

  it('runs the pipeline from the UI and shows each stage with its rows', async () => {
    await open(page, app, '#/pipeline');
    await page.getByText('the run starts from ingest').waitFor();
    await page.getByTestId('run-start').click();
    await page.getByTestId('run-id').waitFor();
    await shot(page, 'run-live');
    await page.waitForSelector('[data-testid=run-status]:text-is("succeeded")', { timeout: 600_000 });
    for (const s of info.stages) await expect(page.getByTestId(`stage-${s}`).getAttribute('data-status')).resolves.toBe(s === 'generate' ? 'skipped' : 'succeeded');
    await page.getByTestId('stage-load').click();
    const loaded = await sqlNumber(app, 'SELECT count(*) FROM raw.claims WHERE _batch_id = 1');
    await expect(page.getByTestId('stage-rows-warehouse.claims').textContent()).resolves.toBe(int(loaded));
    await page.getByTestId('run-logs').locator('.log-line').first().waitFor();
    await shot(page, 'run-detail');
    await open(page, app, '#/pipeline');
    await page.getByTestId('runs-table').locator('tbody tr').first().waitFor();
    await expect(page.getByTestId('runs-table').locator('tbody tr').count()).resolves.toBe(1);
    await shot(page, 'pipeline');
    const a = await app.service.call('app.info', {});
    dbt = a.ok && a.result.capabilities.dbtArtifacts.available;
  });

  it('generates and runs a second batch, which brings changed members', async () => {
    await open(page, app, '#/generate');
    await page.getByRole('button', { name: 'Small' }).click();
    await page.fill('input[name=seed]', '7');
    await page.fill('input[name=batch]', '2');
    await page.fill('input[name=dirtyRate]', '0.03');
    await page.getByTestId('generate-start').click();
    await page.waitForSelector('[data-testid=generate-status]:text-is("succeeded")', { timeout: 120_000 });
    await open(page, app, '#/pipeline');
    await page.getByLabel('Batch to run').selectOption('2');
    await page.getByText('Batch 2 is generated').waitFor();
    await page.getByTestId('run-start').click();
    await page.getByTestId('run-id').waitFor();
    await page.waitForSelector('[data-testid=run-status]:text-is("succeeded")', { timeout: 600_000 });
    await expect(sqlNumber(app, 'SELECT count(DISTINCT _batch_id) FROM raw.members')).resolves.toBe(2);
    // the history lists both runs; filters narrow it
    await open(page, app, '#/pipeline');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=runs-table] tbody tr').length === 2);
    await page.getByLabel('Filter by batch').selectOption('2');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=runs-table] tbody tr').length === 1);
    await page.getByLabel('Filter by status').selectOption('failed');
    await page.getByText('No runs match').waitFor();
  });

  it('shows quarantine, reconciliation and freshness that match the warehouse', async () => {
    await open(page, app, '#/quality');
    const quarantined = await sqlNumber(app, "SELECT count(*) FROM raw.quarantine WHERE dataset = 'claims'");
    await expect(page.getByTestId('quarantine-total-claims').textContent()).resolves.toBe(`${int(quarantined)} rows`);
    const audits = await sqlNumber(app, 'SELECT count(*) FROM raw.batch_audit');
    await expect(page.getByTestId('quality-reconciliation').locator('tbody tr').count()).resolves.toBe(audits);
    await expect(page.getByTestId('quality-reconciliation').locator('.badge.ok').count()).resolves.toBe(audits);
    await expect(page.getByTestId('quality-freshness').locator('tbody tr').count()).resolves.toBe(3);
    if (dbt) {
      // every dbt test of the last run is listed with its status
      const tests = await app.service.call('quality.overview', {});
      const n = tests.ok && tests.result.tests.available ? (tests.result.tests.results ?? []).length : 0;
      expect(n).toBeGreaterThan(0);
      await expect(page.getByTestId('quality-tests').locator('tbody tr').count()).resolves.toBe(n);
      // claims outside eligibility: a figure from the mart, the same count SQL gives
      const outside = await sqlNumber(app, 'SELECT count(*) FROM marts.mart_claims_outside_eligibility');
      await expect(page.getByTestId('outside-eligibility-claims').textContent()).resolves.toMatch(outside ? `${int(outside)} claims` : /None: every claim falls in a covered month/);
    }
    await shot(page, 'quality');
    // a reason opens the quarantined rows, with their original values
    const reasonRow = page.getByTestId('quality-quarantine').locator('.card', { hasText: 'claims' }).locator('tbody tr').first();
    const reason = (await reasonRow.locator('td').first().textContent())!;
    const n = await sqlNumber(app, `SELECT count(*) FROM raw.quarantine WHERE dataset = 'claims' AND reason = '${reason}'`);
    await reasonRow.click();
    await page.getByTestId('dataset-title').waitFor();
    await page.waitForSelector(`[data-testid=grid-total]:text-is("${int(n)} rows")`);
    await page.locator('[role=columnheader]', { hasText: 'original_values' }).waitFor();
    await page.locator('#cell-0-0').dblclick();
    await page.getByTestId('row-panel').getByText('original_values').waitFor();
    await expect(page.getByTestId('row-panel').locator('pre.code').first().textContent()).resolves.toContain('"claim_id"');
    await shot(page, 'quarantine-rows');
  });

  it('masks PII in the members grid until this tab reveals it, with a confirmation, and hides it again', async () => {
    const owner = await app.service.call('datasets.page', { ref: { source: 'warehouse', name: 'raw.members' }, offset: 0, limit: 5000 });
    if (!owner.ok) throw new Error(owner.error.message);
    const col = owner.result.columns.findIndex((c) => c.name === 'last_name');
    const lastNames = new Set(owner.result.rows.map((r) => String(r[col])));
    await open(page, app, '#/data?source=warehouse&name=raw.members');
    const header = page.locator('[role=columnheader]', { hasText: 'last_name' });
    await header.getByTestId('pii-masked-column').waitFor();
    await page.locator(`#cell-0-${col}`, { hasText: '•••' }).waitFor();
    await expect(page.getByTestId('pii-state').textContent()).resolves.toContain('PII masked');
    await shot(page, 'pii-masked');
    await page.getByTestId('pii-state').click();
    await page.getByRole('dialog', { name: 'Reveal personal data?' }).getByText('Other sessions stay masked').waitFor();
    await page.getByTestId('pii-reveal-confirm').click();
    // the top bar says so once the server has the reveal
    await page.getByTestId('pii-state').filter({ hasText: 'PII revealed' }).waitFor();
    await page.locator(`#cell-0-${col}`).waitFor();
    await page.waitForFunction((c) => document.querySelector(`#cell-0-${c}`)?.textContent !== '•••', col);
    expect(lastNames.has((await page.locator(`#cell-0-${col}`).textContent())!)).toBe(true);
    await expect(header.getByTestId('pii-masked-column').count()).resolves.toBe(0);
    await shot(page, 'pii-revealed');
    await page.getByTestId('pii-hide').click();
    await page.locator(`#cell-0-${col}`, { hasText: '•••' }).waitFor();
    await page.getByTestId('pii-state').filter({ hasText: 'PII masked' }).waitFor();
  });

  it('follows a member across batches', async () => {
    await open(page, app, '#/history?entity=member');
    const first = page.getByTestId('history-matches').locator('tbody tr').first();
    // the tab is masked: the member shows as its pseudonym, which the workspace's key turns back into the id
    const token = (await first.locator('td').first().textContent())!;
    const id = Pseudonyms.forWorkspace(join(root, 'main')).decode(token);
    expect(id).toMatch(/^M\d+$/);
    await first.click();
    // the search lists members with the most versions first: this one changed in batch 2
    const versions = await sqlNumber(app, `SELECT count(*) FROM raw.members WHERE member_id = '${id}'`);
    expect(versions).toBeGreaterThanOrEqual(2);
    await page.getByTestId('history-timeline').locator('.tl-item').nth(1).waitFor();
    expect(await page.getByTestId('history-timeline').locator('.tl-item').count()).toBeLessThanOrEqual(versions);
    await page.getByTestId('history-timeline').locator('.change').first().waitFor();
    await page.getByTestId('history-timeline').getByText('batch 2').waitFor();
    await shot(page, 'history');
  });

  it('draws the dbt lineage and opens a model', async (ctx) => {
    if (!dbt) {
      console.log('lineage journey skipped: the pipeline has no transform (dbt) stage yet, so there is no dbt-target/manifest.json');
      return ctx.skip();
    }
    await open(page, app, '#/lineage');
    await page.getByTestId('lineage-canvas').waitFor();
    const graph = await app.service.call('lineage.graph', {});
    if (!graph.ok || !graph.result.available) throw new Error('no lineage after a run');
    // the layout is computed after the graph arrives: the nodes appear once it is done
    await page.getByTestId('lineage-node').first().waitFor();
    await expect(page.getByTestId('lineage-node').count()).resolves.toBe(graph.result.nodes.filter((n) => n.kind !== 'test').length);
    await expect(page.getByTestId('lineage-band').allTextContents()).resolves.toEqual(expect.arrayContaining(['source', 'staging', 'marts']));
    await page.getByRole('button', { name: 'model fct_claims' }).click();
    await page.getByTestId('lineage-detail').getByText('Columns').waitFor();
    await page.getByRole('tab', { name: 'Compiled SQL' }).click();
    await shot(page, 'lineage');
  });

  it('shows KPIs that match SQL on the marts', async (ctx) => {
    if (!dbt) {
      console.log('analytics journey skipped: the pipeline has no transform (dbt) stage yet, so there are no marts');
      return ctx.skip();
    }
    await open(page, app, '#/analytics');
    await page.getByTestId('kpis').waitFor();
    const paid = await sqlNumber(app, 'SELECT sum(paid_amount) FROM marts.fct_claims');
    const billed = await sqlNumber(app, 'SELECT sum(billed_amount) FROM marts.fct_claims');
    const claims = await sqlNumber(app, 'SELECT count(*) FROM marts.fct_claims');
    // denial rate over adjudicated claims, as the marts define it
    const denied = await sqlNumber(app, "SELECT sum(CASE WHEN claim_status = 'denied' THEN 1 ELSE 0 END) / sum(CASE WHEN is_adjudicated THEN 1 ELSE 0 END) FROM marts.fct_claims");
    const pmpm = await sqlNumber(app, 'SELECT sum(paid_total) / sum(member_months) FROM marts.mart_pmpm_monthly');
    const fmt2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
    await expect(page.getByTestId('kpi-paid').locator('.v').textContent()).resolves.toBe(money(paid));
    await expect(page.getByTestId('kpi-billed').locator('.v').textContent()).resolves.toBe(money(billed));
    await expect(page.getByTestId('kpi-billed').locator('.d').textContent()).resolves.toBe(`${int(claims)} claims`);
    await expect(page.getByTestId('kpi-denial').locator('.v').textContent()).resolves.toBe(`${(denied * 100).toFixed(1)}%`);
    await expect(page.getByTestId('kpi-pmpm').locator('.v').textContent()).resolves.toBe(fmt2.format(pmpm));
    // each chart exports its picture and its data
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-trend').getByRole('button', { name: 'PNG' }).click()]);
    expect(png.suggestedFilename()).toBe('paid-by-month.png');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-trend').getByRole('button', { name: 'CSV' }).click()]);
    expect(readFileSync((await csv.path())!, 'utf8').split('\n')[0]).toBe('month,claims,billed,allowed,paid,member_months,pmpm');
    await page.getByTestId('chart-trend').locator('svg circle').first().waitFor();
    await shot(page, 'analytics');
    const plan = await app.service.call('analytics.options', {});
    if (plan.ok && plan.result.available && plan.result.plans.length) {
      await page.getByLabel('Plan', { exact: true }).selectOption(plan.result.plans[0]!.id);
      await page.waitForFunction((v) => document.querySelector('[data-testid=kpi-paid] .v')?.textContent !== v, money(paid));
    }
  });

  it('shows a dbt test failed on purpose with its failing rows, read on demand', async (ctx) => {
    if (!dbt) {
      console.log('failing-rows journey skipped: the pipeline has no transform (dbt) stage yet');
      return ctx.skip();
    }
    const ws = join(root, 'main');
    // a healthy run ends with no dbt warnings
    const healthy = await app.service.call('quality.overview', {});
    if (!healthy.ok || !healthy.result.tests.available) throw new Error('no dbt test results after the runs');
    expect((healthy.result.tests.results ?? []).filter((t) => t.status !== 'pass').map((t) => `${t.name}: ${t.status}`)).toEqual([]);
    // two members of batch 2 lose their last name in the loaded data (the app lets go of the
    // warehouse first); batch 2's build tests batch 2's rows (dbt/macros/tests/get_where_subquery.sql)
    await app.stop();
    const db = await openDuckDB({ path: join(ws, 'warehouse.duckdb') });
    const ids = (await db.conn.runAndReadAll('SELECT DISTINCT member_id FROM raw.members WHERE _batch_id = 2 ORDER BY member_id LIMIT 2')).getRows().map((r) => String(r[0]));
    const inBatch2 = `member_id IN ('${ids.join("','")}') AND _batch_id = 2`;
    const originals = (await db.conn.runAndReadAll(`SELECT member_id, CAST(updated_at AS VARCHAR), last_name FROM raw.members WHERE ${inBatch2}`)).getRows().map((r) => r.map(String));
    await db.conn.run(`UPDATE raw.members SET last_name = NULL WHERE ${inBatch2}`);
    // and one member version of batch 1, which batch 2's build does not test again
    const earlier = (await db.conn.runAndReadAll('SELECT member_id, CAST(updated_at AS VARCHAR), last_name FROM raw.members WHERE _batch_id = 1 ORDER BY member_id DESC LIMIT 1')).getRows().map((r) => r.map(String));
    await db.conn.run(`UPDATE raw.members SET last_name = NULL WHERE _batch_id = 1 AND member_id = '${earlier[0]![0]}' AND CAST(updated_at AS VARCHAR) = '${earlier[0]![1]}'`);
    db.close();
    const failed = await startPipelineRun({ workspace: ws, batch: 2, stages: ['transform'] });
    expect(failed.summary.status).toBe('failed');
    app = await startApp(ws);
    const overview = await app.service.call('quality.overview', {});
    if (!overview.ok || !overview.result.tests.available) throw new Error('no dbt test results after the failed run');
    const test = (overview.result.tests.results ?? []).find((t) => t.status === 'fail' && t.name === 'row_rules_stg_payer__members')!;
    expect(test).toMatchObject({ failures: originals.length, failingRows: true });
    // no failure tables in the warehouse: the rows come from the test's own query
    expect(await sqlNumber(app, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'test_failures'")).toBe(0);
    await open(page, app, '#/quality');
    const row = page.getByTestId(`quality-test-${test.name}`);
    await row.getByRole('button', { name: 'Failing rows' }).click();
    // the test's query reads member_id where PII is masked: its rows wait for this tab's reveal
    await page.getByText(/stay hidden while PII is masked/).waitFor();
    await revealPii(page);
    await page.getByTestId(`quality-test-${test.name}`).getByRole('button', { name: 'Failing rows' }).click();
    const panel = page.getByTestId('failing-rows');
    await expect(panel.getByTestId('failing-rows-count').textContent()).resolves.toBe(`${int(originals.length)} rows fail now`);
    await expect(panel.locator('tbody tr').count()).resolves.toBe(originals.length);
    for (const id of ids) await panel.locator('td', { hasText: id }).first().waitFor();
    // each failing row says which of the model's rules it breaks
    await panel.locator('th', { hasText: 'failed_rules' }).waitFor();
    await expect(panel.locator('td', { hasText: 'last_name is null' }).count()).resolves.toBe(originals.length);
    await shot(page, 'quality-failing-rows');
    // put the names back and build again, so the workspace is healthy for the journeys after this one
    await app.stop();
    const fix = await openDuckDB({ path: join(ws, 'warehouse.duckdb') });
    for (const [id, updatedAt, lastName] of [...originals, ...earlier]) {
      await fix.conn.run(`UPDATE raw.members SET last_name = '${lastName!.replaceAll("'", "''")}' WHERE member_id = '${id}' AND CAST(updated_at AS VARCHAR) = '${updatedAt}'`);
    }
    fix.close();
    const again = await startPipelineRun({ workspace: ws, batch: 2, stages: ['transform'] });
    expect(again.summary.status).toBe('succeeded');
    app = await startApp(ws);
  });
});

describe('a run driven stage by stage by Airflow', () => {
  it('lists one run with trigger airflow, shows it waiting between tasks and a stage that had nothing to do', async () => {
    // the DAG's tasks run `claims run --stages X --run-id <id> --trigger airflow`; this drives the
    // same launcher in-process (the Airflow tests run the real DAG)
    const ws = join(root, 'airflow');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, 'profiles.yaml'), 'active: tiny\nprofiles:\n  tiny:\n    generate: { seed: 3, members: 200, providers: 50, claims: 1500, dirty_rate: 0.01 }\n');
    const runId = '20250131-060000-0a1f10';
    for (const stages of [['generate'], ['ingest'], ['ingest']] as const) {
      await startPipelineRun({ workspace: ws, batch: 'next', stages: [...stages], runId, trigger: 'airflow', retries: 0 });
    }
    const airflowApp = await startApp(ws);
    const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await open(p, airflowApp, '#/pipeline');
      await p.getByLabel('Filter by trigger').selectOption('airflow');
      const row = p.getByTestId('runs-table').locator('tbody tr');
      await row.first().waitFor();
      await expect(row.count()).resolves.toBe(1);
      await expect(row.first().textContent()).resolves.toContain('airflow');
      await row.first().click();
      await p.getByTestId('run-waiting').waitFor();
      await expect(p.getByTestId('run-status').textContent()).resolves.toBe('running');
      await expect(p.getByTestId('stage-ingest').getAttribute('data-status')).resolves.toBe('succeeded');
      await expect(p.getByTestId('stage-cleanse').getAttribute('data-status')).resolves.toBe('pending');
      await p.getByTestId('stage-ingest-noop').waitFor();
      // one log for the run: every invocation's lines, each joining one after the other
      await expect(p.getByTestId('run-logs').getByText('joined by airflow to run ingest').count()).resolves.toBe(2);
      await p.getByTestId('stage-ingest').click();
      await expect(p.getByTestId('stage-summary').textContent()).resolves.toContain('already landed (no-op)');
      await shot(p, 'run-airflow');
    } finally {
      await p.close();
      await airflowApp.stop();
    }
  });
});

describe('demo mode', () => {
  it('walks a fresh workspace through the tour forward and back from one button', async () => {
    const demoApp = await startApp(join(root, 'demo'));
    const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      await open(p, demoApp, '#/generate');
      await p.getByTestId('demo-start').click();
      await p.getByTestId('demo-panel').waitFor();
      await expect(p.getByTestId('demo-caption').textContent()).resolves.toContain('This tour generates');
      await p.getByTestId('demo-next').click();
      await p.waitForSelector('[data-testid=generate-status]:text-is("succeeded")', { timeout: 120_000 });
      await shot(p, 'demo');
      await p.getByTestId('demo-next').click();
      await p.getByTestId('grid').waitFor();
      await p.getByTestId('demo-back').click();
      await expect(p.evaluate(() => location.hash)).resolves.toBe('#/generate');
      await p.getByTestId('demo-next').click();
      await p.getByTestId('demo-next').click();
      await p.waitForSelector('[data-testid=run-status]:text-is("succeeded")', { timeout: 600_000 });
      await p.waitForSelector('[data-testid=demo-next]:not([disabled])', { timeout: 60_000 });
      for (const view of ['quality', 'lineage', 'analytics']) {
        await p.getByTestId('demo-next').click();
        await expect(p.evaluate(() => location.hash)).resolves.toBe(`#/${view}`);
      }
      await p.getByTestId('kpis').waitFor();
      await p.getByTestId('demo-next').click();
      await expect(p.getByTestId('demo-panel').count()).resolves.toBe(0);
    } finally {
      await p.close();
      await demoApp.stop();
    }
  });

  it('leaves a workspace that has data as it is, and tours it', async () => {
    const before = await app.service.call('runs.list', {});
    await open(page, app, '#/generate');
    await page.getByTestId('demo-start').click();
    await page.getByTestId('demo-next').click();
    await page.getByTestId('demo-panel').getByText('already generated in this workspace').waitFor();
    await page.getByTestId('demo-next').click();
    await page.getByTestId('demo-next').click();
    await page.getByTestId('demo-panel').getByText('already run batch 1 here').waitFor();
    await page.getByTestId('run-status').waitFor();
    const after = await app.service.call('runs.list', {});
    expect(after.ok && before.ok && after.result.length).toBe(before.ok ? before.result.length : -1);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('demo-panel').count()).resolves.toBe(0);
  });
});

describe('the cloud in the app', () => {
  // its own workspace, whose cloud emulator the app starts on first use of cloud-emulator (once for this journey)
  let cloudApp: RunningApp;
  let p: Page;
  let keyring: SecretService | null = null;
  const noKeyring = secretServiceMissing();
  const savedBus = process.env.DBUS_SESSION_BUS_ADDRESS;

  beforeAll(async () => {
    if (noKeyring === null) {
      // a private Secret Service, before this process's first keychain call (the binding keeps its first bus)
      keyring = await startSecretService(join(root, 'keyring'));
      process.env.DBUS_SESSION_BUS_ADDRESS = keyring.address;
    }
    cloudApp = await startApp(join(root, 'cloud'));
    p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });

  afterAll(async () => {
    await p?.close();
    await cloudApp?.stop();
    await stopEmulator(join(root, 'cloud'));
    keyring?.stop();
    if (savedBus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = savedBus;
  });

  it('creates an aws profile in the form: a bad value shows its message beside the field; the password goes to the keychain', async () => {
    await open(p, cloudApp, '#/profiles');
    await p.getByTestId('profile-new').click();
    const editor = p.getByTestId('profile-editor');
    await p.fill('input[name=profile-name]', 'acme');
    await editor.locator('select[name=profile-kind]').selectOption('aws');
    await editor.getByLabel('aws.bucket').fill('Acme_Lake');
    await editor.getByLabel('aws.bucket').blur();
    await editor.locator('label', { hasText: 'aws.bucket' }).locator('.field-error', { hasText: 'must be an S3 bucket name' }).waitFor();
    await editor.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(p, 'profiles-aws-error');
    await editor.getByLabel('aws.bucket').fill('acme-claims-lake');
    await editor.getByLabel('aws.bucket').blur();
    // what a profile of kind aws must say for itself is named where it is missing
    await editor.locator('label', { hasText: 'glue.role_arn' }).locator('.field-error', { hasText: 'required for a profile of kind aws' }).waitFor();
    await editor.getByLabel('glue.role_arn').fill('arn:aws:iam::123456789012:role/acme-glue');
    await editor.getByLabel('snowflake.account').fill('acme-prod');
    await editor.getByLabel('snowflake.user').fill('CLAIMS_SVC');
    await editor.getByLabel('snowflake.storage_integration').fill('ACME_LAKE_INT');
    const secretPart = editor.getByTestId('profile-secret');
    if (keyring) {
      await secretPart.locator('select[name=secret-source]').selectOption('keychain');
      await secretPart.locator('input[name=secret]').fill('acme-e2e-password');
      await secretPart.getByTestId('secret-store').click();
      await secretPart.getByTestId('secret-stored').waitFor();
    } else {
      await secretPart.getByTestId('keychain-unavailable').waitFor();
      await secretPart.locator('input[name=password-env]').fill('ACME_SNOWFLAKE_PASSWORD');
    }
    await editor.getByLabel('glue.role_arn').focus();
    await editor.getByLabel('glue.role_arn').blur();
    await editor.locator('.field-error').first().waitFor({ state: 'detached' });
    await secretPart.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(p, 'profiles-aws');
    await editor.getByRole('button', { name: 'Save' }).click();
    await p.getByTestId('profiles-table').locator('tr', { hasText: 'acme' }).getByText('aws').waitFor();
    const yaml = readFileSync(join(root, 'cloud', 'profiles.yaml'), 'utf8');
    expect(yaml).toMatch(/bucket: acme-claims-lake/);
    expect(yaml).not.toContain('acme-e2e-password');
    expect(yaml).toMatch(keyring ? /account: snowflake\/acme\/password/ : /password_env: ACME_SNOWFLAKE_PASSWORD/);
  });

  it('switches to cloud-emulator from the top bar, checks, deploys from a confirmed plan, and checks again: all pass', async () => {
    await open(p, cloudApp, '#/cloud');
    await p.getByText('has nothing to check or deploy').waitFor();
    await p.getByTestId('profile-switcher').selectOption('cloud-emulator');
    // the top bar names the active profile and its kind
    await p.waitForFunction(() => document.querySelector('[data-testid=profile-switcher] option:checked')?.textContent === 'cloud-emulator · aws');
    const check = p.getByTestId('check-panel');
    await check.waitFor({ timeout: 120_000 });
    await check.getByTestId('check-run').click();
    // a fresh emulator: the account answers, the jobs are not deployed yet, and the line says how to fix it
    await check.getByTestId('check-result').waitFor({ timeout: 180_000 });
    await check.locator('tr[data-status=pass]', { hasText: 'AWS credentials' }).waitFor();
    await check.locator('tr[data-status=fail]', { hasText: 'Glue jobs deployed at the current version' }).getByText('claims deploy --profile cloud-emulator').waitFor();
    // the switch's toast gone, so it covers nothing in the pictures
    await p.locator('.toast').first().waitFor({ state: 'detached' });
    await shot(p, 'check-before-deploy');

    const deploy = p.getByTestId('deploy-panel');
    await deploy.getByTestId('deploy-start').click();
    const plan = deploy.getByTestId('deploy-plan');
    await plan.waitFor({ timeout: 300_000 });
    await plan.getByTestId('plan-job-cleanse').getByText('create').first().waitFor();
    // each job setting says where its value comes from: the profile overrides job.json's workers
    await expect(plan.getByTestId('plan-job-cleanse').locator('tr', { hasText: 'NumberOfWorkers' }).textContent()).resolves.toMatch(/^NumberOfWorkers2profile$/);
    await deploy.getByTestId('deploy-confirm').waitFor();
    await deploy.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(p, 'deploy-plan');
    await deploy.getByTestId('deploy-confirm-button').click();
    await deploy.getByTestId('deploy-result').waitFor({ timeout: 300_000 });
    await expect(deploy.getByTestId('deploy-progress').textContent()).resolves.toMatch(/Glue job claims-cleanse.*created/);
    await deploy.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(p, 'deploy-done');

    await check.getByTestId('check-run').click();
    await check.getByTestId('check-result').getByText(/^All pass: \d+ pass/).waitFor({ timeout: 180_000 });
    await expect(check.locator('tr[data-status=fail]').count()).resolves.toBe(0);
    await check.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot(p, 'check');

    // the Data view follows the profile: Snowflake's RAW tables, as deploy made them (empty until a run loads them)
    await open(p, cloudApp, '#/data?source=warehouse&name=raw.members');
    await p.locator('[role=columnheader]', { hasText: 'member_id' }).waitFor({ timeout: 60_000 });
    await p.getByText('raw.batch_audit').first().waitFor();
    await shot(p, 'data-cloud');
    await p.getByTestId('profile-switcher').selectOption('local');
    await p.waitForFunction(() => document.querySelector('[data-testid=profile-switcher] option:checked')?.textContent === 'local · local');
    await p.getByTestId('profile-opening').waitFor({ state: 'detached', timeout: 60_000 });
    // on local, the Data view lists this workspace's own (empty) lake and warehouse, not the cloud's tables
    await p.getByText('No datasets yet').waitFor();
  });

  /** Switches the active profile from the top bar and waits until the app speaks to it. */
  async function switchTo(name: 'local' | 'cloud-emulator'): Promise<void> {
    await p.getByTestId('profile-switcher').selectOption(name);
    await p.waitForFunction((label) => document.querySelector('[data-testid=profile-switcher] option:checked')?.textContent === label, `${name} · ${name === 'local' ? 'local' : 'aws'}`);
    await p.getByTestId('profile-opening').waitFor({ state: 'detached', timeout: 120_000 });
  }

  /** The newest succeeded run of batch 1 on a profile, as the run store has it. */
  async function batchOneRun(profile: string): Promise<RunRecord> {
    const r = await cloudApp.service.call('runs.list', { profile, batch: 1, status: 'succeeded', limit: 1 });
    if (!r.ok || !r.result[0]) throw new Error(`no succeeded run of batch 1 on ${profile}`);
    return r.result[0];
  }
  const rowsOf = (run: RunRecord, stage: string, key: string) => run.stages.find((s) => s.name === stage)!.rows[key]!;

  it('runs the guided demo on cloud-emulator: batch 1 generated here, then run on S3, Glue and Snowflake, captions and all', async () => {
    await open(p, cloudApp, '#/generate');
    await switchTo('cloud-emulator');
    await p.getByTestId('demo-start').click();
    await expect(p.getByTestId('demo-caption').textContent()).resolves.toContain('The same pipeline, now on S3, Glue and Snowflake (profile cloud-emulator)');
    await p.getByTestId('demo-next').click();
    await p.waitForSelector('[data-testid=generate-status]:text-is("succeeded")', { timeout: 120_000 });
    await p.getByTestId('demo-next').click();
    await p.getByTestId('grid').waitFor();
    await expect(p.getByTestId('demo-caption').textContent()).resolves.toContain('before ingest uploads it to S3');
    await p.getByTestId('demo-next').click();
    await expect(p.getByTestId('demo-caption').textContent()).resolves.toContain('Glue job 1 (PySpark) cleanses them');
    // a Glue stage under way: the card names the stage and the state of its Glue run, as polled
    await p.getByTestId('demo-glue-state').waitFor({ timeout: 300_000 });
    await expect(p.getByTestId('demo-stage').textContent()).resolves.toMatch(/^(cleanse|load)$/);
    await p.locator('.toast').first().waitFor({ state: 'detached' });
    await shot(p, 'demo-cloud');
    // minutes, not seconds: Next waits for the run however long it takes
    await expect(p.getByTestId('demo-next').isDisabled()).resolves.toBe(true);
    await p.waitForSelector('[data-testid=run-status]:text-is("succeeded")', { timeout: 600_000 });
    await p.waitForSelector('[data-testid=demo-next]:not([disabled])', { timeout: 60_000 });
    const run = await batchOneRun('cloud-emulator');
    expect(run.trigger).toBe('manual');
    expect(typeof run.stages.find((s) => s.name === 'cleanse')!.checkpoint?.glueRunId).toBe('string');
    for (const view of ['quality', 'lineage', 'analytics']) {
      await p.getByTestId('demo-next').click();
      await expect(p.evaluate(() => location.hash)).resolves.toBe(`#/${view}`);
    }
    await expect(p.getByTestId('demo-caption').textContent()).resolves.toContain('computed on the marts in Snowflake');
    await p.getByTestId('kpis').waitFor({ timeout: 120_000 });
    await p.getByTestId('demo-next').click();
    await expect(p.getByTestId('demo-panel').count()).resolves.toBe(0);
  });

  it('browses the S3 lake\'s raw, curated and quarantine zones and the Snowflake marts, with a column profile', async () => {
    await open(p, cloudApp, '#/generate');
    await switchTo('cloud-emulator');
    const run = await batchOneRun('cloud-emulator');
    const tree = p.getByRole('navigation', { name: 'Datasets' });
    for (const [source, batch, stage, key] of [
      ['raw', '&batch=1', 'ingest', 'claims'],
      ['quarantine', '', 'cleanse', 'quarantine.claims'],
      ['curated', '', 'cleanse', 'curated.claims'],
    ] as const) {
      await open(p, cloudApp, `#/data?source=${source}&name=claims${batch}`);
      await tree.getByText(`S3 lake · ${source}`).waitFor({ timeout: 60_000 });
      // the rows each zone holds in S3 are those the run recorded
      await p.waitForSelector(`[data-testid=grid-total]:text-is("${int(rowsOf(run, stage, key))} rows")`, { timeout: 60_000 });
    }
    await p.getByRole('button', { name: 'Sort by billed_amount' }).click();
    await p.getByText('sorted by billed_amount asc').waitFor();
    await p.locator('[role=columnheader]', { hasText: 'billed_amount' }).click();
    await p.getByTestId('profile-panel').getByText('Top values').waitFor({ timeout: 60_000 });
    await shot(p, 'data-s3');
    await open(p, cloudApp, '#/data?source=warehouse&name=marts.fct_claims');
    await tree.getByText('Snowflake').waitFor({ timeout: 60_000 });
    const facts = await sqlNumber(cloudApp, 'SELECT count(*) FROM marts.fct_claims');
    expect(facts).toBe(rowsOf(run, 'load', 'warehouse.claims'));
    await p.waitForSelector(`[data-testid=grid-total]:text-is("${int(facts)} rows")`, { timeout: 60_000 });
    // sorted in Snowflake: the first row is the largest paid amount fakesnow holds
    await p.getByRole('button', { name: 'Sort by paid_amount' }).click();
    await p.getByRole('button', { name: 'Sort by paid_amount' }).click();
    await p.getByText('sorted by paid_amount desc').waitFor();
    const top = await sqlNumber(cloudApp, 'SELECT max(paid_amount) FROM marts.fct_claims');
    const page1 = await cloudApp.service.call('datasets.page', { ref: { source: 'warehouse', name: 'marts.fct_claims' }, offset: 0, limit: 1 });
    if (!page1.ok) throw new Error(page1.error.message);
    const paidCol = page1.result.columns.findIndex((c) => c.name === 'paid_amount');
    await p.waitForFunction(([col, want]) => Math.abs(Number(document.querySelector(`#cell-0-${col}`)?.textContent?.replace(/[^0-9.-]/g, '')) - want) < 0.01, [paidCol, top] as const, { timeout: 60_000 });
    // the column profile, computed in Snowflake
    await p.locator('[role=columnheader]', { hasText: 'paid_amount' }).click();
    await p.getByTestId('profile-panel').getByText('Top values').waitFor({ timeout: 60_000 });
    await shot(p, 'data-snowflake');
  });

  it('shows the KPIs of the Snowflake marts, as SQL on fakesnow computes them', async () => {
    await open(p, cloudApp, '#/generate');
    await switchTo('cloud-emulator');
    await open(p, cloudApp, '#/analytics');
    await p.getByTestId('kpis').waitFor({ timeout: 120_000 });
    // the app's console runs on the active profile's warehouse: these are fakesnow's answers
    const paid = await sqlNumber(cloudApp, 'SELECT sum(paid_amount) FROM marts.fct_claims');
    const billed = await sqlNumber(cloudApp, 'SELECT sum(billed_amount) FROM marts.fct_claims');
    const claims = await sqlNumber(cloudApp, 'SELECT count(*) FROM marts.fct_claims');
    const denied = await sqlNumber(cloudApp, "SELECT sum(CASE WHEN claim_status = 'denied' THEN 1 ELSE 0 END) / sum(CASE WHEN is_adjudicated THEN 1 ELSE 0 END) FROM marts.fct_claims");
    const pmpm = await sqlNumber(cloudApp, 'SELECT sum(paid_total) / sum(member_months) FROM marts.mart_pmpm_monthly');
    const fmt2 = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
    expect(claims).toBeGreaterThan(0);
    await expect(p.getByTestId('kpi-paid').locator('.v').textContent()).resolves.toBe(money(paid));
    await expect(p.getByTestId('kpi-billed').locator('.v').textContent()).resolves.toBe(money(billed));
    await expect(p.getByTestId('kpi-billed').locator('.d').textContent()).resolves.toBe(`${int(claims)} claims`);
    await expect(p.getByTestId('kpi-denial').locator('.v').textContent()).resolves.toBe(`${(denied * 100).toFixed(1)}%`);
    await expect(p.getByTestId('kpi-pmpm').locator('.v').textContent()).resolves.toBe(fmt2.format(pmpm));
  });

  it('runs batch 1 on local too, and the compare view shows both runs agreeing on counts, reconciliation and KPIs', async () => {
    await open(p, cloudApp, '#/generate');
    await switchTo('local');
    // the batch the demo generated, on the local path: ingest to verify (~20 s)
    const started = await cloudApp.service.call('runs.start', { batch: 1, profile: 'local', stages: ['ingest', 'cleanse', 'load', 'transform', 'verify'] });
    if (!started.ok) throw new Error(started.error.message);
    const until = Date.now() + 300_000;
    let status = 'running';
    while (status === 'running' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1000));
      const got = await cloudApp.service.call('runs.get', { runId: started.result.runId });
      if (got.ok) status = got.result.active ? 'running' : got.result.run.status;
    }
    expect(status).toBe('succeeded');
    const [local, cloud] = [await batchOneRun('local'), await batchOneRun('cloud-emulator')];
    await open(p, cloudApp, '#/compare');
    const verdict = p.getByTestId('compare-verdict');
    await verdict.waitFor({ timeout: 120_000 });
    await expect(verdict.getAttribute('data-agree')).resolves.toBe('true');
    await expect(p.getByTestId('compare-summary').textContent()).resolves.toMatch(/^local and cloud-emulator agree on batch 1: \d+ counts, 3 reconciled datasets and 8 KPIs are the same\.$/);
    // each side is the newest run of batch 1 on its profile, its counts the run's own
    await p.getByTestId('compare-side-local').getByText(local.runId).waitFor();
    await p.getByTestId('compare-side-cloud-emulator').getByText(cloud.runId).waitFor();
    const curated = p.getByTestId('compare-counts').locator('tr[data-key="curated.claims"] td');
    await expect(curated.nth(1).textContent()).resolves.toBe(int(rowsOf(local, 'cleanse', 'curated.claims')));
    await expect(curated.nth(2).textContent()).resolves.toBe(int(rowsOf(cloud, 'cleanse', 'curated.claims')));
    for (const table of ['compare-counts', 'compare-reconciliation', 'compare-kpis']) {
      const rows = p.getByTestId(table).locator('tbody tr');
      expect(await rows.count()).toBeGreaterThan(0);
      await expect(p.getByTestId(table).locator('tbody tr[data-agrees=true]').count()).resolves.toBe(await rows.count());
    }
    await expect(p.getByTestId('compare-kpis').locator('tbody tr').count()).resolves.toBe(8);
    // the cloud's cleanse ran as a Glue job: its time stands beside the local engine's
    await p.getByTestId('compare-stages').locator('tr[data-key=cleanse]').waitFor();
    await shot(p, 'compare');
  });

  // The next batch of the demo's world (its batch 1 ran on the cloud in the demo step), through the
  // API as the generate form would send it: the same world, or ingest refuses it. It runs last: the
  // compare step compares batch 1 with the marts holding batch 1 only.
  const DEMO_WORLD = { seed: 42, members: 500, providers: 60, claims: 5000, dirtyRate: 0.02 };

  async function generateViaApi(batch: number): Promise<void> {
    const started = await cloudApp.service.call('generate.start', { ...DEMO_WORLD, batch });
    if (!started.ok) throw new Error(started.error.message);
    for (let i = 0; i < 240; i++) {
      const batches = await cloudApp.service.call('generate.batches', {});
      if (batches.ok && batches.result.some((b) => b.batch === batch)) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`batch ${batch} was not generated within 2 min`);
  }

  async function activate(name: string): Promise<void> {
    const r = await cloudApp.service.call('profiles.activate', { name });
    if (!r.ok) throw new Error(r.error.message);
  }

  async function cloudRuns(): Promise<RunRecord[]> {
    const r = await cloudApp.service.call('runs.list', { profile: 'cloud-emulator' });
    if (!r.ok) throw new Error(r.error.message);
    return r.result;
  }

  it('runs the next batch on the cloud from the Pipeline view: Glue states move with log lines, cancel stops the Glue run, resume completes it', async () => {
    await activate('cloud-emulator');
    const batch = Math.max(0, ...(await cloudRuns()).filter((r) => r.status === 'succeeded').map((r) => r.batch)) + 1;
    await generateViaApi(batch);
    await open(p, cloudApp, '#/pipeline');
    await p.waitForFunction(() => document.querySelector('[data-testid=profile-switcher] option:checked')?.textContent === 'cloud-emulator · aws');
    await p.getByLabel('Batch to run').selectOption(String(batch));
    await p.getByText(`Batch ${batch} is generated`).waitFor();
    await p.getByTestId('run-start').click();
    await p.getByTestId('run-id').waitFor();
    const runId = (await p.getByTestId('run-id').textContent())!;
    await p.getByTestId('stage-cleanse').click();

    // the cleanse stage's Glue run: its id, its state as the stage polls it, the job's own log lines
    const panel = p.getByLabel('Stage cleanse');
    await panel.getByTestId('stage-glue-state').filter({ hasText: /^(STARTING|RUNNING)$/ }).waitFor({ timeout: 300_000 });
    await p.getByTestId('log-glue-line').first().waitFor({ timeout: 120_000 });
    await expect(panel.getByTestId('stage-glue-console').textContent()).resolves.toBe('emulated');
    await expect(panel.getByTestId('stage-lake-prefix').allTextContents()).resolves.toEqual([expect.stringMatching(/^reads s3:\/\/.+\/raw\/csv\/ ?emulated$/), expect.stringMatching(/processed\/parquet\//), expect.stringMatching(/quarantine\//)]);
    await shot(p, 'cloud-run-glue');
    const glueRunId = (await panel.getByTestId('stage-glue-run').locator('.mono').nth(1).textContent())!;
    expect(glueRunId).toMatch(/^jr_/);

    await p.getByTestId('run-cancel').click();
    await p.getByTestId('run-cancel-confirm').click();
    await p.waitForSelector('[data-testid=run-status]:text-is("cancelled")', { timeout: 120_000 });
    await panel.getByTestId('stage-glue-state').filter({ hasText: /^STOPPED$/ }).waitFor({ timeout: 60_000 });
    await shot(p, 'cloud-run-cancelled');
    // Glue says so too, and nothing of the run's Spark is left on this machine
    const ws = workspacePaths(join(root, 'cloud'));
    const glue = awsClients((await awsForProfile(ws.root, (await loadProfile(ws.profiles, 'cloud-emulator')) as AwsProfile)).settings);
    try {
      const run = await glue.glue.send(new GetJobRunCommand({ JobName: 'claims-cleanse', RunId: glueRunId }));
      expect(run.JobRun?.JobRunState).toBe('STOPPED');
    } finally {
      glue.destroy();
    }
    expect(await processesNaming(glueRunId)).toEqual([]);

    await p.getByTestId('run-resume').click();
    await p.waitForFunction((old) => document.querySelector('[data-testid=run-id]')?.textContent !== old, runId);
    const resumedId = (await p.getByTestId('run-id').textContent())!;
    // two Glue runs and dbt on a shared 2-core machine: bounded, and a failure says why
    await p.waitForSelector('[data-testid=run-status]:text-matches("^(succeeded|failed|cancelled)$")', { timeout: 900_000 });
    const resumed = await cloudApp.service.call('runs.get', { runId: resumedId });
    expect(resumed.ok && resumed.result.run.status, JSON.stringify(resumed.ok ? resumed.result.run.error : resumed.error)).toBe('succeeded');
    // the resumed run's load: the counts Snowflake holds for the batch
    await p.getByTestId('stage-load').click();
    const loaded = await sqlNumber(cloudApp, `SELECT count(*) FROM raw.claims WHERE _batch_id = ${batch}`);
    // the demo world's batch 2 brings 423 claim versions past cleanse: the batch, not a rerun of batch 1
    expect(loaded).toBeGreaterThan(300);
    await expect(sqlNumber(cloudApp, `SELECT count(*) FROM raw.claims WHERE _batch_id = 1`)).resolves.toBe(rowsOf(await batchOneRun('cloud-emulator'), 'load', 'warehouse.claims'));
    await expect(p.getByTestId('stage-rows-warehouse.claims').textContent()).resolves.toBe(int(loaded));
    await expect(p.getByLabel('Stage load').getByTestId('stage-glue-state').textContent()).resolves.toBe('SUCCEEDED');
    // Glue job 2's statements, each with its Snowflake query id
    const loadStatements = await unfoldedQueries(p, 'load');
    await loadStatements.getByText('COMMIT', { exact: true }).waitFor();
    expect(await loadStatements.getByTestId('stage-query-id').count()).toBeGreaterThan(5);
    // the transform's dbt statements, each with its Snowflake query id
    await p.getByTestId('stage-transform').click();
    const dbtStatements = await unfoldedQueries(p, 'transform');
    expect(await dbtStatements.getByTestId('stage-query-id').count()).toBeGreaterThan(5);
    await p.getByTestId('stage-cleanse').click();
    await expect(p.getByLabel('Stage cleanse').getByTestId('stage-glue-state').textContent()).resolves.toBe('SUCCEEDED');
    await shot(p, 'cloud-run-done');
  }, 1_500_000);
});
