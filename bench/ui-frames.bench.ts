// UI smoothness while a run streams events: the app in web mode (the real server and service
// in this process, the built renderer in headless Chromium), a pipeline run started from the page,
// and every animation frame the page paints timed from inside it until the run succeeds. Reported:
// frame intervals (p50, p95, p99, worst), the share of frames over 50 ms, and the main thread's
// long tasks (> 50 ms, the browser's own measure of jank). Several runs, median reported.
// BENCH_FRAMES_CLAIMS (default 1M), BENCH_RUNS (default 3), BENCH_FRAMES_PROFILE (default: a local
// profile; `cloud-emulator` runs on the workspace's cloud emulator: S3, two Glue runs, Snowflake,
// deployed by the run itself; keep its world small, e.g. BENCH_FRAMES_CLAIMS=20000).
import { join } from 'node:path';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { startApp } from '../e2e/support/app.ts';
import { stopEmulator } from '../pipeline/emulator/controller.ts';
import { launchBrowser } from '../e2e/support/browser.ts';
import { fmt, machine, measure, median, saveResult, writeDocSection } from './lib.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CLAIMS = Number(process.env.BENCH_FRAMES_CLAIMS ?? 1_000_000);
const PROFILE = process.env.BENCH_FRAMES_PROFILE ?? 'bench';
const CLOUD = PROFILE !== 'bench';
const WS = join(process.env.BENCH_DIR ?? '/tmp/claims-bench', `ws-frames-${CLOUD ? `${PROFILE}-` : ''}${CLAIMS}`);

interface FrameStats {
  run_seconds: number;
  frames: number;
  events_streamed: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  worst_ms: number;
  over_50ms_pct: number;
  long_tasks: number;
  long_task_ms: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const browser = await launchBrowser();
const samples: FrameStats[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    // a fresh workspace with the batch generated, so the run from the page is ingest to verify
    await rm(WS, { recursive: true, force: true });
    await mkdir(WS, { recursive: true });
    await writeFile(
      join(WS, 'profiles.yaml'),
      `active: ${PROFILE}\nprofiles:\n  bench:\n    generate: { seed: 42, members: ${Math.round(CLAIMS / 20)}, providers: ${Math.max(200, Math.round(CLAIMS / 500))}, claims: ${CLAIMS}, dirty_rate: 0.01 }\n    retry: { max_attempts: 1 }\n`,
    );
    // the bench profile's world; the run from the page is on the active profile
    await measure(process.execPath, ['bin/claims.mjs', 'run', '--workspace', WS, '--profile', 'bench', '--stages', 'generate', '--json']);

    const app = await startApp(WS);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    try {
      // page scripts as text: this file is compiled for Node, without the DOM's types
      await page.addInitScript({
        content: `
          window.__frames = []; window.__longTasks = []; window.__recording = false;
          let last = 0;
          const tick = (t) => { if (window.__recording && last) window.__frames.push(t - last); last = t; requestAnimationFrame(tick); };
          requestAnimationFrame(tick);
          new PerformanceObserver((list) => { if (window.__recording) for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
            .observe({ type: 'longtask', buffered: false });`,
      });
      await page.goto(app.newLink());
      await page.waitForSelector('.shell');
      await page.evaluate("location.hash = '#/pipeline'");
      await page.getByTestId('run-start').waitFor();
      await page.evaluate('window.__recording = true');
      const started = performance.now();
      await page.getByTestId('run-start').click();
      await page.waitForSelector('[data-testid=run-status]:is(:text-is("succeeded"), :text-is("failed"), :text-is("cancelled"))', { timeout: 900_000 });
      const status = await page.getByTestId('run-status').textContent();
      if (status !== 'succeeded') {
        await page.screenshot({ path: join(WS, '..', 'ui-frames-failed.png') });
        throw new Error(`the run from the page ended ${status}; see ${join(WS, '..', 'ui-frames-failed.png')}`);
      }
      const runSeconds = (performance.now() - started) / 1000;
      const { frames, longTasks } = await page.evaluate<{ frames: number[]; longTasks: number[] }>(
        '(window.__recording = false, { frames: window.__frames, longTasks: window.__longTasks })',
      );
      const runId = (await page.getByTestId('run-id').textContent())?.trim() ?? '';
      const events = (await readFile(join(WS, 'runs', runId, 'events.jsonl'), 'utf8')).trim().split('\n').length;
      const sorted = [...frames].sort((a, b) => a - b);
      const stats: FrameStats = {
        run_seconds: runSeconds,
        frames: frames.length,
        events_streamed: events,
        p50_ms: percentile(sorted, 50),
        p95_ms: percentile(sorted, 95),
        p99_ms: percentile(sorted, 99),
        worst_ms: sorted.at(-1) ?? NaN,
        over_50ms_pct: (100 * frames.filter((f) => f > 50).length) / Math.max(1, frames.length),
        long_tasks: longTasks.length,
        long_task_ms: longTasks.reduce((a, b) => a + b, 0),
      };
      samples.push(stats);
      console.log(`run ${i + 1}: ${JSON.stringify(stats)}`);
    } finally {
      await page.close();
      await app.stop();
      // the app stops the emulator it started; this is for one a failed start left behind
      if (CLOUD) await stopEmulator(WS);
    }
  }
} finally {
  await browser.close();
  await rm(WS, { recursive: true, force: true });
}

const med = (k: keyof FrameStats) => median(samples.map((s) => s[k]));
const file = await saveResult('ui-frames', { machine: machine(), runs: RUNS, claims: CLAIMS, samples });
const m = machine();
await writeDocSection(
  CLOUD ? `ui-frames-${PROFILE}` : 'ui-frames',
  `### UI frames while a ${CLOUD ? `${PROFILE} ` : ''}run streams events

A ${CLAIMS.toLocaleString('en-US')}-claim run (ingest to verify, dbt included${CLOUD ? `, on profile ${PROFILE}: the lake on the emulator's S3, cleanse and load as Glue job runs on local PySpark, dbt on fakesnow; the run deploys first` : ''}) started from the Pipeline view in headless
Chromium, the server and the pipeline in one Node process, every animation frame timed in the page until the run
succeeded. Median of ${RUNS} runs; ${m.cores} cores, ${m.memory_gb} GB, ${m.node}. Raw results: \`${file.replace(/^.*bench\//, 'bench/')}\`.
Target: smooth frames while events stream (a 60 Hz frame is 16.7 ms; > 50 ms is a visible hitch).

| run | run events logged | frames | frame p50 | p95 | p99 | worst | frames > 50 ms | long tasks (total) |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| ${fmt(med('run_seconds'))} s | ${fmt(med('events_streamed'), 0)} | ${fmt(med('frames'), 0)} | ${fmt(med('p50_ms'))} ms | ${fmt(med('p95_ms'))} ms | ${fmt(med('p99_ms'))} ms | ${fmt(med('worst_ms'), 0)} ms | ${fmt(med('over_50ms_pct'), 2)} % | ${fmt(med('long_tasks'), 0)} (${fmt(med('long_task_ms'), 0)} ms) |`,
);
