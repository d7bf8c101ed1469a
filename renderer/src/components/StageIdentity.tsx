// A cloud stage's external identity in the run detail: the lake prefixes it read and wrote, its
// Glue job run with the state moving live, and the warehouse query ids of its statements; each
// with its console page on a real account, or "emulated" where there is no console.
import type { RunEvent, RunRecord } from '../../../pipeline/api/protocol.ts';
import type { ConsoleRef } from '../../../pipeline/run/console-links.ts';
import { fmtSeconds } from '../format.ts';
import { glueRunOf } from '../state/glue-run.ts';
import { lakePrefixesOf, queriesOf } from '../state/stage-identity.ts';

const GLUE_TONE: Record<string, string> = { STARTING: 'run', RUNNING: 'run', STOPPING: 'warn', WAITING: 'run', SUCCEEDED: 'ok', STOPPED: 'warn', FAILED: 'bad', TIMEOUT: 'bad', ERROR: 'bad', EXPIRED: 'bad' };
const QUERIES_SHOWN = 12;

export function ConsoleLink({ to, label, testId }: { to: ConsoleRef | null; label: string; testId?: string }) {
  if (!to) return null;
  if ('emulated' in to) {
    return (
      <span className="badge" title="The cloud emulator has no console; the resource lives on this machine" data-testid={testId}>
        emulated
      </span>
    );
  }
  return (
    <a href={to.url} target="_blank" rel="noreferrer noopener" data-testid={testId}>
      {label} ↗
    </a>
  );
}

type StageRecord = RunRecord['stages'][number];

export function StageIdentity({ rec, events }: { rec: StageRecord; events: RunEvent[] }) {
  const prefixes = lakePrefixesOf(rec, events);
  const glue = glueRunOf(rec.checkpoint, events);
  const queries = queriesOf(rec);
  // the load job's own statements, not dbt nodes
  const statements = queries.length > 0 && queries.every((q) => q.resourceType === 'statement');
  if (!prefixes.length && !glue && !queries.length) return null;
  return (
    <div className="stage-identity" data-testid="stage-identity">
      {prefixes.length ? (
        <ul className="identity-list" aria-label="Lake prefixes">
          {prefixes.map((p) => (
            <li key={`${p.access} ${p.uri}`} data-testid="stage-lake-prefix">
              <span className="muted identity-key">{p.access}</span> <span className="mono">{p.uri}</span> <ConsoleLink to={p.console} label="S3 console" />
            </li>
          ))}
        </ul>
      ) : null}
      {glue ? (
        <p className="identity-glue" data-testid="stage-glue-run">
          Glue job <span className="mono">{glue.jobName ?? '?'}</span> · run <span className="mono">{glue.runId}</span> <ConsoleLink to={glue.console} label="Glue console" testId="stage-glue-console" />
          {glue.state ? (
            <>
              {' '}· <span className={`badge ${GLUE_TONE[glue.state] ?? ''}`} data-testid="stage-glue-state">{glue.state}</span>
            </>
          ) : null}
          {glue.states.length > 1 ? <span className="muted" data-testid="stage-glue-states"> {glue.states.join(' → ')}</span> : null}
          {glue.executionSeconds ? <span className="muted"> · executed {fmtSeconds(glue.executionSeconds)}</span> : null}
        </p>
      ) : null}
      {queries.length ? (
        <details className="identity-queries" open={queries.length <= QUERIES_SHOWN}>
          <summary>
            {queries.length} Snowflake quer{queries.length === 1 ? 'y' : 'ies'} of {statements ? `Glue job ${glue?.jobName ?? ''}`.trim() : 'dbt'} {queries.some((q) => q.console && 'emulated' in q.console) ? <ConsoleLink to={{ emulated: true }} label="" /> : null}
          </summary>
          <table className="table" style={{ width: 'auto', minWidth: 360 }} data-testid="stage-queries">
            <thead>
              <tr>
                <th>{statements ? 'Statement' : 'dbt node'}</th>
                <th>Query id</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {queries.map((q) => (
                <tr key={q.node}>
                  <td>
                    {statements ? <span className="mono">{q.name}</span> : <><span className="muted">{q.resourceType}</span> {q.name}</>}
                  </td>
                  <td className="mono" data-testid="stage-query-id">{q.queryId}</td>
                  <td>{q.console && 'url' in q.console ? <ConsoleLink to={q.console} label="Snowsight" /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </div>
  );
}
