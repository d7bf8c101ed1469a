// Profiles: the active one in the top bar with one-click switching; this page lists them and
// edits named profiles with validation messages beside the fields they concern.
import { Fragment, useEffect, useState } from 'react';
import type { Json, ProfileProblem } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { Icon } from '../components/icons.tsx';
import { EmptyState, ErrorBox, Loading } from '../components/states.tsx';
import { useQuery } from '../components/useQuery.ts';
import { useApp } from '../state/app.ts';

export function ProfileSwitcher() {
  const revision = useApp((s) => s.revision.profiles);
  const loadInfo = useApp((s) => s.loadInfo);
  const toast = useApp((s) => s.toast);
  const list = useQuery(() => call('profiles.list', {}), [revision]);
  if (!list.data) return null;
  return (
    <label className="row" style={{ gap: 6 }} title="Active profile: runs started here use it">
      <span className="muted" style={{ fontSize: 12 }}>Profile</span>
      <select
        aria-label="Active profile"
        value={list.data.active}
        data-testid="profile-switcher"
        onChange={async (e) => {
          await call('profiles.activate', { name: e.target.value });
          toast(`Active profile: ${e.target.value}`);
          list.reload();
          void loadInfo();
        }}
      >
        {list.data.profiles.map((p) => (
          <option key={p.name} value={p.name}>{p.name}</option>
        ))}
      </select>
    </label>
  );
}

type Flat = { path: string; value: Json };

function flatten(obj: Record<string, Json>, prefix = ''): Flat[] {
  return Object.entries(obj).flatMap(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? flatten(v as Record<string, Json>, `${prefix}${k}.`) : [{ path: `${prefix}${k}`, value: v }]));
}

function unflatten(rows: Flat[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const { path, value } of rows) {
    const keys = path.split('.');
    let cur = out;
    keys.slice(0, -1).forEach((k) => (cur = (cur[k] ??= {}) as Record<string, Json>));
    cur[keys.at(-1)!] = value;
  }
  return out;
}

function parseValue(text: string, like: Json): Json {
  if (typeof like === 'number') return text.trim() === '' || Number.isNaN(Number(text)) ? text : Number(text);
  if (typeof like === 'boolean') return text === 'true';
  return text;
}

export function ProfilesView() {
  const revision = useApp((s) => s.revision.profiles);
  const info = useApp((s) => s.info)!;
  const list = useQuery(() => call('profiles.list', {}), [revision]);
  const [editing, setEditing] = useState<{ name: string; isNew: boolean } | null>(null);
  if (list.loading && !list.data) return <div className="view"><Loading rows={6} /></div>;
  if (list.error) return <div className="view"><ErrorBox error={list.error} /></div>;
  const l = list.data!;
  return (
    <div className="view">
      <div className="view-head">
        <div>
          <h1>Profiles</h1>
          <div className="sub">A profile says where the stages run. Runs started from the app use the active one.</div>
        </div>
        <div className="actions">
          <button className="btn primary" disabled={!l.editing.available} onClick={() => setEditing({ name: '', isNew: true })} data-testid="profile-new">
            <Icon name="plus" /> New profile
          </button>
        </div>
      </div>
      {!l.editing.available ? (
        <div className="notice" style={{ marginBottom: 16 }} data-testid="profiles-editing-unavailable">
          <Icon name="info" />
          <div>
            <strong>Only the built-in local profile is available.</strong> {l.editing.reason}
          </div>
        </div>
      ) : null}
      <div className="grid-2" style={{ alignItems: 'start' }}>
        <section className="card" aria-label="Profiles">
          <table className="table" data-testid="profiles-table">
            <thead><tr><th>Name</th><th>Kind</th><th>Description</th><th /></tr></thead>
            <tbody>
              {l.profiles.map((p) => (
                <tr key={p.name}>
                  <td>
                    <strong>{p.name}</strong> {p.name === l.active ? <span className="badge ok" data-testid="profile-active">active</span> : null} {p.builtIn ? <span className="badge">built-in</span> : null}
                  </td>
                  <td>{p.kind}</td>
                  <td className="muted">{p.description ?? ''}</td>
                  <td className="num">
                    <div className="row" style={{ justifyContent: 'flex-end', gap: 6 }}>
                      {p.name !== l.active ? <button className="btn small" onClick={() => void call('profiles.activate', { name: p.name }).then(list.reload)}>Activate</button> : null}
                      {!p.builtIn && l.editing.available ? <button className="btn small ghost" onClick={() => setEditing({ name: p.name, isNew: false })}>Edit</button> : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        {editing ? (
          <ProfileEditor key={editing.name + editing.isNew} name={editing.name} isNew={editing.isNew} onDone={() => (setEditing(null), list.reload())} />
        ) : (
          <section className="card" aria-label="Local profile">
            <div className="card-head"><h2>local</h2><span className="badge">built-in</span></div>
            <div className="card-body stack" style={{ gap: 8 }}>
              <div className="muted">Embedded DuckDB and a lake folder in this workspace; nothing to configure.</div>
              <table className="table">
                <tbody>
                  <tr><td className="muted">Workspace</td><td className="mono">{info.workspace}</td></tr>
                  <tr><td className="muted">Lake</td><td className="mono">{info.workspace}/lake</td></tr>
                  <tr><td className="muted">Warehouse</td><td className="mono">{info.workspace}/warehouse.duckdb</td></tr>
                </tbody>
              </table>
            </div>
          </section>
        )}
      </div>
    </div>
  );
}

function ProfileEditor({ name: initialName, isNew, onDone }: { name: string; isNew: boolean; onDone: () => void }) {
  const [name, setName] = useState(initialName);
  const [rows, setRows] = useState<Flat[] | null>(null);
  const [problems, setProblems] = useState<ProfileProblem[]>([]);
  const [error, setError] = useState<unknown>(null);
  // a new profile starts as a copy of the built-in one, so every key it needs is there to edit
  useEffect(() => {
    call('profiles.get', { name: isNew ? 'local' : initialName }).then(
      (p) => setRows(flatten(p.profile).map((r) => (isNew && r.path === 'description' ? { ...r, value: '' } : r))),
      (e: unknown) => setError(e),
    );
  }, [initialName, isNew]);
  const problemFor = (path: string) => problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`));
  const nameProblem = problems.find((p) => p.path === 'name');
  const save = async () => {
    setError(null);
    try {
      const r = await call('profiles.save', { name, profile: unflatten(rows ?? []) });
      setProblems(r.problems);
      if (r.saved) onDone();
    } catch (err) {
      const body = (err as { body?: { details?: ProfileProblem[] } }).body;
      if (body?.details) setProblems(body.details.map((d) => ({ ...d, path: d.path === 'name' ? 'name' : d.path.replace(/^profile\./, '') })));
      setError(err);
    }
  };
  const validate = async () => {
    try {
      setProblems((await call('profiles.validate', { name: name || 'draft', profile: unflatten(rows ?? []) })).problems);
    } catch (err) {
      setError(err);
    }
  };
  const unplaced = problems.filter((p) => p.path !== 'name' && !(rows ?? []).some((r) => problemFor(r.path).includes(p)));
  return (
    <section className="card" aria-label="Edit profile" data-testid="profile-editor">
      <div className="card-head"><h2>{isNew ? 'New profile' : `Edit ${initialName}`}</h2></div>
      <div className="card-body stack" style={{ gap: 12 }}>
        <label className="field">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} disabled={!isNew} aria-invalid={nameProblem ? true : undefined} name="profile-name" />
          {nameProblem ? <span className="field-error">{nameProblem.message}</span> : <span className="field-hint">letters, digits, - and _</span>}
        </label>
        {!rows && !error ? <Loading rows={4} /> : null}
        {rows?.length === 0 ? <EmptyState title="No settings">This profile has no keys to edit.</EmptyState> : null}
        <div className="profile-editor-grid">
          {rows?.map((r, i) => {
            const ps = problemFor(r.path);
            const section = r.path.includes('.') ? r.path.split('.')[0]! : null;
            const startsSection = section !== null && (i === 0 || rows[i - 1]!.path.split('.')[0] !== section);
            return (
              <Fragment key={r.path}>
                {startsSection ? <h3 className="profile-section">{section}</h3> : null}
                <label className="field" style={section ? undefined : { gridColumn: '1 / -1' }}>
                  <span className="mono">{r.path}</span>
                  <input value={r.value === null ? '' : String(r.value)} aria-invalid={ps.length ? true : undefined} onChange={(e) => setRows(rows.map((x, j) => (j === i ? { ...x, value: parseValue(e.target.value, x.value) } : x)))} onBlur={() => void validate()} />
                  {ps.map((p) => (
                    <span key={p.message} className="field-error">
                      {p.message}
                    </span>
                  ))}
                </label>
              </Fragment>
            );
          })}
        </div>
        {unplaced.map((p) => <div key={p.path + p.message} className="field-error">{p.path ? <code>{p.path}</code> : null} {p.message}</div>)}
        {error ? <ErrorBox error={error} /> : null}
        <div className="row" style={{ justifyContent: 'flex-end' }}>
          <button className="btn ghost" onClick={onDone}>Cancel</button>
          <button className="btn primary" onClick={() => void save()} disabled={!name || !rows}>Save</button>
        </div>
      </div>
    </section>
  );
}
