import type { RunEvent, StageName } from '../orchestrator/types.ts';
import type { RunSummary } from '../run/summary.ts';
import { color, ProgressLine } from './progress.ts';

const fmtSeconds = (s: number | null | undefined) => (s === null || s === undefined ? '' : s < 60 ? `${s.toFixed(1)}s` : `${Math.floor(s / 60)}m${Math.round(s % 60)}s`);
const n = (v: number) => v.toLocaleString('en-US');

/**
 * Renders a run's event stream on the terminal: a line per stage, a live progress bar, warnings
 * (every log line when verbose, each with its time: what a scheduler's task log wants).
 */
export class RunRenderer {
  private readonly bar = new ProgressLine();
  private readonly startedAt = new Map<StageName, number>();
  private readonly verbose: boolean;

  constructor(opts: { verbose?: boolean } = {}) {
    this.verbose = opts.verbose ?? false;
  }

  onEvent(e: RunEvent): void {
    switch (e.type) {
      case 'run.started':
        console.error(`${color.bold(`Run ${e.runId}`)} ${color.dim(`profile ${e.profile}, batch ${e.batch}, stages ${e.plan.join(' → ')}${e.resumedFrom ? `, resuming ${e.resumedFrom}` : ''}${e.trigger === 'manual' ? '' : `, trigger ${e.trigger}`}`)}`);
        break;
      case 'run.joined':
        console.error(`${color.bold(`Run ${e.runId}`)} ${color.dim(`joined by ${e.trigger} for ${e.stages.join(' → ')} (profile ${e.options.profile}, batch ${e.options.batch})`)}`);
        break;
      case 'stage.started':
        this.startedAt.set(e.stage, Date.now());
        this.bar.update(e.stage, 0, e.attempt > 1 ? `attempt ${e.attempt}/${e.maxAttempts}` : 'starting');
        break;
      case 'stage.progress':
        this.bar.update(e.stage, e.fraction ?? 0, [e.dataset, e.message].filter(Boolean).join(': '));
        break;
      case 'stage.log':
        if (e.level === 'warn' || e.level === 'error') {
          this.bar.done();
          console.error(`  ${e.level === 'warn' ? color.yellow('!') : color.red('✖')} ${e.stage}: ${e.message}`);
        } else if (this.verbose) {
          this.bar.done();
          console.error(color.dim(`  ${e.timestamp.slice(11, 19)} ${e.stage}: ${e.message}${e.fields && Object.keys(e.fields).length ? ` ${JSON.stringify(e.fields)}` : ''}`));
        }
        break;
      case 'stage.retrying':
        this.bar.done();
        console.error(`  ${color.yellow('↻')} ${e.stage} attempt ${e.attempt}/${e.maxAttempts} failed: ${e.error.message} — retrying in ${(e.delayMs / 1000).toFixed(1)}s`);
        break;
      case 'stage.succeeded': {
        this.bar.done();
        const summary = e.result.summary ? color.dim(` ${e.result.summary}`) : '';
        console.error(`${color.green('✔')} ${e.stage.padEnd(10)} ${fmtSeconds(e.seconds).padStart(7)}${summary}`);
        break;
      }
      case 'stage.failed':
        this.bar.done();
        console.error(`${color.red('✖')} ${e.stage.padEnd(10)} ${color.red(e.error.message)}`);
        if (e.error.hint) console.error(`  ${color.dim(`hint: ${e.error.hint}`)}`);
        break;
      case 'stage.cancelled':
        this.bar.done();
        console.error(`${color.yellow('■')} ${e.stage.padEnd(10)} cancelled`);
        break;
      case 'stage.skipped':
        break;
      case 'run.finished':
        this.bar.done();
        break;
    }
  }
}

/** The readable run summary printed at the end of `claims run`. */
export function printSummary(s: RunSummary): void {
  const status = s.status === 'succeeded' ? color.green('succeeded') : s.status === 'cancelled' ? color.yellow('cancelled') : s.status === 'running' ? color.cyan('running') : color.red('failed');
  const took = s.status === 'running' ? 'its other stages run in other invocations' : `in ${fmtSeconds(s.seconds)}`;
  console.log(`\nRun ${s.run_id} ${status} ${took} (profile ${s.profile}, batch ${s.batch})`);
  const ran = s.stages.filter((st) => st.status !== 'skipped');
  if (ran.length) {
    console.log('');
    for (const st of ran) {
      const mark = st.status === 'succeeded' ? color.green('✔') : st.status === 'failed' ? color.red('✖') : st.status === 'cancelled' ? color.yellow('■') : color.dim('·');
      const what = st.status === 'succeeded' ? (st.summary ?? '') : st.status === 'failed' || st.status === 'cancelled' ? (st.error ?? st.status) : st.status;
      console.log(`  ${mark} ${st.name.padEnd(10)} ${fmtSeconds(st.seconds).padStart(7)}  ${what}`);
    }
  }
  const datasets = ['members', 'providers', 'claims'];
  const zones = ['generated', 'raw', 'curated', 'quarantine', 'duplicates', 'warehouse'].filter((z) => s.rows[z]);
  if (zones.length) {
    console.log(`\n  ${'rows'.padEnd(12)}${datasets.map((d) => d.padStart(12)).join('')}`);
    for (const z of zones) console.log(`  ${z.padEnd(12)}${datasets.map((d) => (s.rows[z]?.[d] === undefined ? '' : n(s.rows[z]![d]!)).padStart(12)).join('')}`);
  }
  const reasons = Object.entries(s.quarantine).flatMap(([d, r]) => Object.entries(r).map(([reason, count]) => `${d}/${reason} ${n(count)}`));
  if (reasons.length) console.log(`\n  quarantined by reason: ${reasons.join(', ')}`);
  if (s.reconciliation) {
    const ok = s.reconciliation.every((r) => r.balanced);
    console.log(`  reconciliation: ${ok ? color.green('raw = curated + quarantined + duplicates for every dataset') : color.red('does not balance')}`);
  }
  // a stage's error is on its line above; the run's own (the orchestrator's) is not
  if (s.error && !s.stages.some((st) => st.error === s.error)) console.log(`\n  ${color.red(s.error)}`);
  console.log(`\n  warehouse: ${s.warehouse}`);
}
