// Designed empty, loading and error states: every view shows one of these instead of a blank area.
import type { ReactNode } from 'react';
import type { ApiErrorBody } from '../../../pipeline/api/protocol.ts';
import { ApiCallError } from '../api/client.ts';
import { Icon, type IconName } from './icons.tsx';

export function EmptyState({ icon = 'info', title, children, action }: { icon?: IconName; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <div className="empty-icon">
        <Icon name={icon} />
      </div>
      <h2>{title}</h2>
      {children ? <p>{children}</p> : null}
      {action}
    </div>
  );
}

export function errorBodyOf(err: unknown): ApiErrorBody {
  if (err instanceof ApiCallError) return err.body;
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}

export function ErrorBox({ error, action }: { error: unknown; action?: ReactNode }) {
  const body = errorBodyOf(error);
  return (
    <div className="error-box" role="alert">
      <Icon name="alert" />
      <div style={{ flex: 1 }}>
        <div>{body.message}</div>
        {body.hint ? <div className="hint">{body.hint}</div> : null}
        {body.details?.length ? (
          <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
            {body.details.map((d) => (
              <li key={d.path + d.message}>
                <code>{d.path}</code>: {d.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {action}
    </div>
  );
}

export function Loading({ label = 'Loading…', rows = 0 }: { label?: string; rows?: number }) {
  if (rows > 0) {
    return (
      <div className="stack" aria-busy="true" aria-label={label}>
        {Array.from({ length: rows }, (_, i) => (
          <div key={i} className="skeleton" style={{ height: 18, width: `${90 - ((i * 13) % 40)}%` }} />
        ))}
      </div>
    );
  }
  return (
    <div className="empty" aria-busy="true">
      <span className="spinner" />
      <p>{label}</p>
    </div>
  );
}

/** An unavailable widget: the reason the server gave, plus what to do. */
export function Unavailable({ reason, action, icon = 'info' }: { reason: string; action?: ReactNode; icon?: IconName }) {
  const [title, ...rest] = reason.split(': ');
  const detail = rest.join(': ');
  return (
    <EmptyState icon={icon} title={rest.length ? title! : 'Not available yet'} action={action}>
      {rest.length ? detail.charAt(0).toUpperCase() + detail.slice(1) : reason}
    </EmptyState>
  );
}
