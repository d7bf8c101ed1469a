// Profiles: the active one in the top bar with one-click switching; this page lists them and
// edits named profiles with validation messages beside the fields they concern.
import { Fragment, useEffect, useRef, useState } from 'react';
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
  const shown = useApp((s) => s.info?.activeProfile);
  if (!list.data) return null;
  const active = list.data.profiles.find((p) => p.name === list.data!.active);
  // the views follow once the service has opened the new profile's lake and warehouse (an emulator may start first)
  const opening = shown !== undefined && shown !== list.data.active;
  return (
    <label className="row" style={{ gap: 6 }} title="The active profile: every view reads its lake and warehouse, and runs started here use it">
      <span className="muted" style={{ fontSize: 12 }}>Profile</span>
      <select
        aria-label="Active profile"
        value={list.data.active}
        data-testid="profile-switcher"
        data-kind={active?.kind}
        onChange={async (e) => {
          const name = e.target.value;
          try {
            await call('profiles.activate', { name });
            toast(`Active profile: ${name}`);
          } catch (err) {
            toast((err as Error).message, 'bad');
          }
          list.reload();
          void loadInfo();
        }}
      >
        {list.data.profiles.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name} · {p.kind}
          </option>
        ))}
      </select>
      {opening ? (
        <span className="badge run" data-testid="profile-opening">
          <span className="spinner" /> opening {list.data.active}…
        </span>
      ) : null}
    </label>
  );
}

type Flat = { path: string; value: Json };

function flatten(obj: Record<string, Json>, prefix = ''): Flat[] {
  return Object.entries(obj).flatMap(([k, v]) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? flatten(v as Record<string, Json>, `${prefix}${k}.`) : [{ path: `${prefix}${k}`, value: v }]));
}

/** The profile a form's fields say; a field left empty says nothing (the validator then names what is required). */
function unflatten(rows: Flat[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const { path, value } of rows) {
    if (value === '') continue;
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
      {/* the editor takes the whole width: an aws profile has many settings */}
      <div className={editing ? 'stack' : 'grid-2'} style={{ alignItems: editing ? undefined : 'start' }}>
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

/** Where the Snowflake login's secret is; the form edits it apart from the other fields (only references are kept). */
const AUTH = 'snowflake.auth';
const isAuthPath = (path: string) => path === AUTH || path.startsWith(`${AUTH}.`);

function ProfileEditor({ name: initialName, isNew, onDone }: { name: string; isNew: boolean; onDone: () => void }) {
  const [name, setName] = useState(initialName);
  const [kind, setKind] = useState<'local' | 'aws'>('local');
  const [rows, setRows] = useState<Flat[] | null>(null);
  const [auth, setAuth] = useState<Record<string, Json> | null>(null);
  const [problems, setProblems] = useState<ProfileProblem[]>([]);
  const [error, setError] = useState<unknown>(null);
  const checks = useRef(0);
  // a new profile starts from its kind's template, so every key it needs is there to edit
  useEffect(() => {
    const load = isNew ? call('profiles.template', { kind }) : call('profiles.get', { name: initialName });
    load.then(
      (p) => {
        const flat = flatten(p.profile);
        // the kind has its own control; the secret's references their own section
        setRows(flat.filter((r) => r.path !== 'kind' && !isAuthPath(r.path)));
        const a = (p.profile.snowflake as Record<string, Json> | undefined)?.auth;
        setAuth(a && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, Json>) : null);
        if (!isNew) setKind(p.profile.kind === 'aws' ? 'aws' : 'local');
        setProblems([]);
      },
      (e: unknown) => setError(e),
    );
  }, [initialName, isNew, kind]);
  const profile = () => {
    const out: Record<string, Json> = { kind, ...unflatten(rows ?? []) };
    if (auth) out.snowflake = { ...((out.snowflake as Record<string, Json> | undefined) ?? {}), auth: Object.fromEntries(Object.entries(auth).filter(([, v]) => v !== '')) };
    return out;
  };
  const problemFor = (path: string) => problems.filter((p) => p.path === path || p.path.startsWith(`${path}.`) || p.path.startsWith(`${path}[`));
  const nameProblem = problems.find((p) => p.path === 'name');
  const save = async () => {
    setError(null);
    try {
      const r = await call('profiles.save', { name, profile: profile() });
      setProblems(r.problems);
      if (r.saved) onDone();
    } catch (err) {
      const body = (err as { body?: { details?: ProfileProblem[] } }).body;
      if (body?.details) setProblems(body.details.map((d) => ({ ...d, path: d.path === 'name' ? 'name' : d.path.replace(/^profile\./, '') })));
      setError(err);
    }
  };
  const validate = async () => {
    // answers can overtake each other: only the latest check's problems are shown
    const mine = ++checks.current;
    try {
      const r = await call('profiles.validate', { name: name || 'draft', profile: profile() });
      if (mine === checks.current) setProblems(r.problems);
    } catch (err) {
      setError(err);
    }
  };
  const authProblems = problems.filter((p) => isAuthPath(p.path));
  const unplaced = problems.filter((p) => p.path !== 'name' && !isAuthPath(p.path) && !(rows ?? []).some((r) => problemFor(r.path).includes(p)));
  return (
    <section className="card" aria-label="Edit profile" data-testid="profile-editor">
      <div className="card-head"><h2>{isNew ? 'New profile' : `Edit ${initialName}`}</h2></div>
      <div className="card-body stack" style={{ gap: 12 }}>
        <div className="profile-editor-grid">
          <label className="field">
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} disabled={!isNew} aria-invalid={nameProblem ? true : undefined} name="profile-name" />
            {nameProblem ? <span className="field-error">{nameProblem.message}</span> : <span className="field-hint">letters, digits, - and _</span>}
          </label>
          <label className="field">
            Kind
            <select value={kind} disabled={!isNew} onChange={(e) => (setRows(null), setKind(e.target.value === 'aws' ? 'aws' : 'local'))} name="profile-kind">
              <option value="local">local · this machine (DuckDB)</option>
              <option value="aws">aws · S3, Glue and Snowflake</option>
            </select>
            <span className="field-hint">{kind === 'aws' ? 'AWS credentials come from your AWS configuration, never from the profile' : 'the lake folder and the warehouse of this workspace'}</span>
          </label>
        </div>
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
        {kind === 'aws' && auth ? <SecretSection profileName={name} auth={auth} onChange={setAuth} problems={authProblems} onBlur={() => void validate()} /> : null}
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

type SecretSource = 'keychain' | 'env' | 'file';

/**
 * The Snowflake login: the method, and where its secret is. A secret typed here goes once to the
 * service, which puts it into the OS keychain and answers with the entry's name; the form keeps only
 * that name. Where no keychain answers, the form offers an environment variable or a key file.
 */
function SecretSection({ profileName, auth, onChange, problems, onBlur }: { profileName: string; auth: Record<string, Json>; onChange: (a: Record<string, Json>) => void; problems: ProfileProblem[]; onBlur: () => void }) {
  const keychain = useQuery(() => call('profiles.keychain', {}), []);
  const method = String(auth.method ?? 'password');
  const stored = auth.keychain && typeof auth.keychain === 'object' && !Array.isArray(auth.keychain) ? (auth.keychain as { service: string; account: string }) : null;
  const source: SecretSource = stored ? 'keychain' : method === 'key_pair' ? (auth.private_key_file !== undefined ? 'file' : 'keychain') : auth.password_env !== undefined ? 'env' : 'keychain';
  const [secret, setSecret] = useState('');
  const [storeError, setStoreError] = useState<unknown>(null);
  const [storing, setStoring] = useState(false);
  const keychainDown = keychain.data && !keychain.data.available ? keychain.data : null;
  const setMethod = (m: string) => onChange(m === 'key_pair' ? { method: m, private_key_file: '' } : m === 'password' ? { method: m, password_env: '' } : { method: m });
  const setSource = (s: SecretSource) => {
    const keep: Record<string, Json> = method === 'key_pair' && auth.passphrase_env !== undefined ? { passphrase_env: auth.passphrase_env } : {};
    if (s === 'env') onChange({ method, password_env: '' });
    else if (s === 'file') onChange({ method, private_key_file: '', ...keep });
    else onChange({ method, ...keep });
  };
  const store = async () => {
    setStoreError(null);
    setStoring(true);
    try {
      const r = await call('profiles.storeSecret', { name: profileName, kind: method === 'key_pair' ? 'private_key' : 'password', secret });
      onChange({ ...Object.fromEntries(Object.entries(auth).filter(([k]) => k === 'method' || k === 'passphrase_env')), keychain: { ...r.keychain } });
    } catch (err) {
      setStoreError(err);
    } finally {
      // the secret leaves the form whatever happened: it is either in the keychain or nowhere
      setSecret('');
      setStoring(false);
    }
  };
  const problemAt = (path: string) => problems.filter((p) => p.path === `${AUTH}.${path}`).map((p) => <span key={p.message} className="field-error">{p.message}</span>);
  const sources: { value: SecretSource; label: string }[] = method === 'key_pair' ? [{ value: 'keychain', label: 'OS keychain' }, { value: 'file', label: 'Key file' }] : [{ value: 'keychain', label: 'OS keychain' }, { value: 'env', label: 'Environment variable' }];
  return (
    <div className="stack" style={{ gap: 10 }} data-testid="profile-secret">
      <h3 className="profile-section">Snowflake login</h3>
      <div className="profile-editor-grid">
        <label className="field">
          <span className="mono">snowflake.auth.method</span>
          <select value={method} onChange={(e) => setMethod(e.target.value)} name="auth-method">
            <option value="password">password</option>
            <option value="key_pair">key_pair</option>
            <option value="browser_sso">browser_sso</option>
          </select>
        </label>
        {method !== 'browser_sso' ? (
          <label className="field">
            Where the {method === 'key_pair' ? 'private key' : 'password'} is
            <select value={source} onChange={(e) => setSource(e.target.value as SecretSource)} name="secret-source">
              {sources.map((s) => (
                <option key={s.value} value={s.value} disabled={s.value === 'keychain' && keychainDown !== null}>
                  {s.label}
                  {s.value === 'keychain' && keychainDown ? ' (not available here)' : ''}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <span className="field-hint">the browser signs in through the account's identity provider: nothing to store</span>
        )}
      </div>
      {keychainDown && method !== 'browser_sso' && !stored ? (
        <div className="notice" data-testid="keychain-unavailable">
          <Icon name="alert" />
          <div>
            <strong>{keychainDown.reason}</strong> {keychainDown.hint}
          </div>
        </div>
      ) : null}
      {method !== 'browser_sso' && source === 'keychain' ? (
        stored ? (
          <div className="notice" data-testid="secret-stored">
            <Icon name="check" />
            <div>
              Stored in the OS keychain: entry <code>{stored.account}</code> of service <code>{stored.service}</code>. The profile names the entry; the secret stays in the keychain.{' '}
              <button className="btn small ghost" onClick={() => setSource('keychain')}>Replace</button>
            </div>
          </div>
        ) : (
          <label className="field">
            {method === 'key_pair' ? 'Private key (PEM)' : 'Password'}
            {method === 'key_pair' ? (
              <textarea rows={4} value={secret} onChange={(e) => setSecret(e.target.value)} name="secret" autoComplete="off" spellCheck={false} disabled={keychainDown !== null} />
            ) : (
              <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} name="secret" autoComplete="new-password" disabled={keychainDown !== null} />
            )}
            <span className="field-hint">{profileName ? `goes into the OS keychain as snowflake/${profileName}/${method === 'key_pair' ? 'private_key' : 'password'}; never into profiles.yaml` : 'name the profile first: the keychain entry is named after it'}</span>
            <div className="row">
              <button className="btn small" onClick={() => void store()} disabled={!secret || !profileName || storing || keychainDown !== null} data-testid="secret-store">
                Store in keychain
              </button>
            </div>
            {problemAt('keychain')}
          </label>
        )
      ) : null}
      {source === 'env' ? (
        <label className="field">
          <span className="mono">snowflake.auth.password_env</span>
          <input value={String(auth.password_env ?? '')} onChange={(e) => onChange({ ...auth, password_env: e.target.value })} onBlur={onBlur} name="password-env" placeholder="SNOWFLAKE_PASSWORD" />
          <span className="field-hint">the name of an environment variable that holds the password when a run starts</span>
          {problemAt('password_env')}
        </label>
      ) : null}
      {source === 'file' ? (
        <label className="field">
          <span className="mono">snowflake.auth.private_key_file</span>
          <input value={String(auth.private_key_file ?? '')} onChange={(e) => onChange({ ...auth, private_key_file: e.target.value })} onBlur={onBlur} name="private-key-file" placeholder="~/.snowflake/rsa_key.p8" />
          <span className="field-hint">the path of the PEM private key on this machine</span>
          {problemAt('private_key_file')}
        </label>
      ) : null}
      {method === 'key_pair' ? (
        <label className="field">
          <span className="mono">snowflake.auth.passphrase_env</span>
          <input value={String(auth.passphrase_env ?? '')} onChange={(e) => onChange({ ...auth, passphrase_env: e.target.value })} onBlur={onBlur} name="passphrase-env" />
          <span className="field-hint">for an encrypted key: the environment variable holding its passphrase</span>
          {problemAt('passphrase_env')}
        </label>
      ) : null}
      {problems.filter((p) => p.path === AUTH || p.path === `${AUTH}.method`).map((p) => <span key={p.message} className="field-error">{p.message}</span>)}
      {storeError ? <ErrorBox error={storeError} /> : null}
    </div>
  );
}
