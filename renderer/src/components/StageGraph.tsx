// The stage graph: generate → ingest → cleanse → load → transform → verify, each with its status,
// duration, rows and live progress. Stages are buttons: selecting one filters the logs.
import { Fragment } from 'react';
import type { RunRecord, StageName } from '../../../pipeline/api/protocol.ts';
import { fmtCompact, fmtInt, fmtSeconds } from '../format.ts';
import type { LiveRun } from '../state/run-live.ts';
import { Icon } from './icons.tsx';

/** Rows a stage carried forward: its outputs, not the rows it set aside (quarantine, duplicates). */
function primaryRows(rows: Record<string, number>): number {
  return Object.entries(rows)
    .filter(([k]) => !/^(quarantine|duplicates)\./.test(k))
    .reduce((n, [, v]) => n + v, 0);
}

export const STATUS_TONE: Record<string, string> = { succeeded: 'ok', failed: 'bad', running: 'run', cancelled: 'warn', pending: '', skipped: '' };

export function StageGraph({ stages, run, progress, selected, onSelect }: { stages: StageName[]; run: RunRecord | null; progress?: LiveRun['progress']; selected?: StageName | null; onSelect?: (s: StageName) => void }) {
  return (
    <div className="stage-graph" role="list" aria-label="Pipeline stages" data-testid="stage-graph">
      {stages.map((name, i) => {
        const rec = run?.stages.find((s) => s.name === name);
        const status = rec?.status ?? 'pending';
        const rows = rec ? primaryRows(rec.rows) : 0;
        const p = progress?.[name];
        return (
          <Fragment key={name}>
            {i > 0 ? (
              <div className="stage-arrow" aria-hidden="true">
                <Icon name="arrow" />
              </div>
            ) : null}
            <button
              role="listitem"
              className={`stage s-${status}${selected === name ? ' selected' : ''}`}
              onClick={() => onSelect?.(name)}
              aria-pressed={selected === name}
              aria-label={`${name}: ${status}`}
              data-testid={`stage-${name}`}
              data-status={status}
              style={{ font: 'inherit', color: 'inherit', textAlign: 'left' }}
            >
              <span className="stage-name">
                <span style={{ textTransform: 'capitalize' }}>{name}</span>
                <span className="muted" style={{ fontWeight: 400, fontSize: 11.5 }}>
                  {rec?.seconds !== null && rec?.seconds !== undefined ? fmtSeconds(rec.seconds) : status === 'running' ? 'running…' : ''}
                </span>
              </span>
              <span className="stage-meta">
                <span className={`badge ${STATUS_TONE[status] ?? ''}`}>
                  {status === 'running' ? <span className="dot run" /> : null}
                  {rec?.restoredFrom ? 'restored' : status}
                </span>

                <span style={{ whiteSpace: 'nowrap' }} title={rows ? `${fmtInt(rows)} rows` : undefined}>{rows ? `${fmtCompact(rows)} rows` : ''}</span>
              </span>
              {status === 'running' ? (
                <div className="progress run" aria-label={`${name} progress`}>
                  <div style={{ width: `${Math.round((p?.fraction ?? (p?.total ? (p.rows ?? 0) / p.total : 0)) * 100)}%` }} />
                </div>
              ) : null}
              {rec?.result?.noop ? (
                <span className="muted" style={{ fontSize: 11, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }} title={rec.result.summary} data-testid={`stage-${name}-noop`}>
                  no-op{rec.result.summary ? ` · ${rec.result.summary.replace(/\s*\(no-op\)/, '')}` : ''}
                </span>
              ) : null}
              {rec && rec.attempts > 1 ? <span className="muted" style={{ fontSize: 11 }}>attempt {rec.attempts}</span> : null}
            </button>
          </Fragment>
        );
      })}
    </div>
  );
}
