// One row, field by field: long text and JSON (such as a quarantined row's original values) laid
// out in full instead of cut off in a cell.
import type { ColumnInfo, Json } from '../../../pipeline/api/protocol.ts';
import { cellText } from '../format.ts';
import { Icon } from './icons.tsx';

function pretty(v: Json): { text: string; json: boolean } {
  if (typeof v === 'string' && /^\s*[{[]/.test(v)) {
    try {
      return { text: JSON.stringify(JSON.parse(v), null, 2), json: true };
    } catch {
      // not JSON after all: shown as it is
    }
  }
  if (v !== null && typeof v === 'object') return { text: JSON.stringify(v, null, 2), json: true };
  return { text: cellText(v), json: false };
}

export function RowPanel({ index, row, columns, onClose }: { index: number; row: Json[]; columns: ColumnInfo[]; onClose: () => void }) {
  return (
    <aside className="profile-panel" aria-label={`Row ${index + 1}`} data-testid="row-panel">
      <div className="row" style={{ marginBottom: 8 }}>
        <h3>Row {(index + 1).toLocaleString('en-US')}</h3>
        <button className="btn ghost small icon-btn" style={{ marginLeft: 'auto' }} onClick={onClose} aria-label="Close row">
          <Icon name="close" />
        </button>
      </div>
      <dl className="row-fields">
        {columns.map((c, i) => {
          const v = pretty(row[i] ?? null);
          return (
            <div key={c.name}>
              <dt className="mono">{c.name}</dt>
              <dd className={row[i] === null ? 'muted' : ''}>{v.json ? <pre className="code">{v.text}</pre> : v.text}</dd>
            </div>
          );
        })}
      </dl>
    </aside>
  );
}
