// History: find a member or provider and follow its versions across batches: what changed, when,
// and which version is current.
import { useState } from 'react';
import type { HistoryEntity } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { Icon } from '../components/icons.tsx';
import { EmptyState, ErrorBox, Loading, Unavailable } from '../components/states.tsx';
import { useQuery } from '../components/useQuery.ts';
import { cellText } from '../format.ts';
import { useApp } from '../state/app.ts';
import { useRouter } from '../state/router.ts';

export function HistoryView() {
  const route = useRouter((s) => s.route);
  const go = useRouter((s) => s.go);
  const revision = useApp((s) => s.revision.warehouse);
  const entity = (route.params.entity as HistoryEntity | undefined) ?? 'member';
  const id = route.params.id ?? null;
  const [query, setQuery] = useState('');
  const search = useQuery(() => call('history.search', { entity, query }), [entity, query, revision]);
  const timeline = useQuery(() => (id ? call('history.timeline', { entity, id }) : Promise.resolve(null)), [entity, id, revision]);
  return (
    <div className="view">
      <div className="view-head">
        <div>
          <h1>History</h1>
          <div className="sub">Every version of a member or provider across batches, with what changed (SCD2).</div>
        </div>
        <div className="actions segmented" role="group" aria-label="Entity">
          {(['member', 'provider'] as const).map((e) => (
            <button key={e} aria-pressed={entity === e} onClick={() => go('history', { entity: e })}>{e === 'member' ? 'Members' : 'Providers'}</button>
          ))}
        </div>
      </div>
      <div className="grid-2" style={{ gridTemplateColumns: '340px minmax(0, 1fr)' }}>
        <section className="card" aria-label="Search">
          <div className="card-head">
            <Icon name="search" />
            <input aria-label={`Search ${entity}s`} placeholder={`${entity === 'member' ? 'Member id or name' : 'NPI or provider name'}`} value={query} onChange={(e) => setQuery(e.target.value)} style={{ flex: 1 }} />
          </div>
          {search.loading && !search.data ? <div className="card-body"><Loading rows={6} /></div> : null}
          {search.error ? <div className="card-body"><ErrorBox error={search.error} /></div> : null}
          {search.data && !search.data.available ? <Unavailable reason={search.data.reason} action={<button className="btn primary" onClick={() => go('pipeline')}>Run the pipeline</button>} /> : null}
          {search.data?.available ? (
            search.data.matches.length ? (
              <div style={{ maxHeight: 560, overflow: 'auto' }}>
                <table className="table" data-testid="history-matches">
                  <tbody>
                    {search.data.matches.map((m) => (
                      <tr key={m.id} className="clickable" onClick={() => go('history', { entity, id: m.id })} tabIndex={0} onKeyDown={(e) => e.key === 'Enter' && go('history', { entity, id: m.id })} style={id === m.id ? { background: 'var(--accent-soft)' } : undefined}>
                        <td className="mono">{m.id}</td>
                        <td>{m.label}</td>
                        <td className="num"><span className={`badge ${m.versions > 1 ? 'accent' : ''}`}>{m.versions}</span></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : <EmptyState title="No match">Try an id prefix or part of a name.</EmptyState>
          ) : null}
        </section>
        <section className="card" aria-label="Timeline" data-testid="history-timeline">
          {!id ? (
            <EmptyState icon="history" title={`Pick a ${entity}`}>The ones with the most versions are listed first: they have the most history.</EmptyState>
          ) : timeline.loading && !timeline.data ? (
            <div className="card-body"><Loading rows={8} /></div>
          ) : timeline.error ? (
            <div className="card-body"><ErrorBox error={timeline.error} /></div>
          ) : timeline.data ? (
            <>
              <div className="card-head">
                <h2 className="mono">{timeline.data.id}</h2>
                <span className="muted">{timeline.data.versions.length} version{timeline.data.versions.length === 1 ? '' : 's'} in {timeline.data.table} · tracked: {timeline.data.tracked.join(', ')}</span>
              </div>
              <div className="card-body timeline">
                {[...timeline.data.versions].reverse().map((v, i) => (
                  <div key={i} className={`tl-item${v.isCurrent ? ' current' : ''}`}>
                    <div className="card" style={{ background: 'var(--panel-2)' }}>
                      <div className="card-head" style={{ padding: '8px 12px' }}>
                        <strong>{v.validFrom ?? '—'}</strong>
                        <span className="muted">→ {v.validTo ?? 'now'}</span>
                        {v.batch !== null ? <span className="badge">batch {v.batch}</span> : null}
                        {v.isCurrent ? <span className="badge ok">current</span> : null}
                      </div>
                      <div className="card-body" style={{ padding: '8px 12px' }}>
                        {v.changed.length ? (
                          v.changed.map((c) => (
                            <span className="change" key={c.column}>
                              <span className="muted">{c.column}</span>
                              <span className="from">{cellText(c.from)}</span>→<span className="to">{cellText(c.to)}</span>
                            </span>
                          ))
                        ) : (
                          <span className="muted">first version: {timeline.data!.tracked.map((c) => `${c} ${cellText(v.values[c])}`).join(' · ')}</span>
                        )}
                      </div>
                    </div>
                  </div>
                ))}
              </div>
            </>
          ) : null}
        </section>
      </div>
    </div>
  );
}
