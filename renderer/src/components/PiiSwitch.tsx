// The top bar's PII state for this session: masked (the default) with "Reveal PII", or revealed,
// shown in warning colours everywhere, with "Hide again". Revealing asks first. The server holds the
// state per session (a tab in web mode, the window in the desktop app); the views refetch on change.
import { useEffect, useState } from 'react';
import type { PiiStatus } from '../../../pipeline/api/protocol.ts';
import { call } from '../api/client.ts';
import { useApp } from '../state/app.ts';
import { Dialog } from './Dialog.tsx';
import { Icon } from './icons.tsx';

export function PiiSwitch() {
  const revealed = useApp((s) => s.piiRevealed);
  const setRevealed = useApp((s) => s.setPiiRevealed);
  const toast = useApp((s) => s.toast);
  const [status, setStatus] = useState<PiiStatus | null>(null);
  const [asking, setAsking] = useState(false);
  const apply = (s: PiiStatus) => {
    setStatus(s);
    setRevealed(s.revealed);
  };
  useEffect(() => {
    call('pii.status', {}).then(apply, (err: Error) => toast(`PII state unknown: ${err.message}`, 'bad'));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  if (revealed === null) return null;
  if (revealed) {
    return (
      <span className="badge warn pii-state" data-testid="pii-state" title="Names, birth dates, addresses and member ids show in clear in this session">
        <Icon name="alert" /> PII revealed
        <button className="btn ghost small" data-testid="pii-hide" onClick={() => void call('pii.hide', {}).then(apply, (err: Error) => toast(err.message, 'bad'))}>
          Hide again
        </button>
      </span>
    );
  }
  const direct = status?.columns.filter((c) => c.tag === 'direct').map((c) => c.name) ?? [];
  const quasi = status?.columns.filter((c) => c.tag === 'quasi').map((c) => c.name) ?? [];
  return (
    <>
      <button className="badge pii-state" style={{ border: 0, cursor: 'pointer' }} data-testid="pii-state" title="Personal data is masked in this session" onClick={() => setAsking(true)}>
        <Icon name="check" /> PII masked · Reveal PII
      </button>
      {asking ? (
        <Dialog
          title="Reveal personal data?"
          onClose={() => setAsking(false)}
          footer={
            <>
              <button className="btn" onClick={() => setAsking(false)}>
                Keep masked
              </button>
              <button
                className="btn primary"
                data-testid="pii-reveal-confirm"
                onClick={() =>
                  void call('pii.reveal', { confirm: true }).then(
                    (s) => {
                      setAsking(false);
                      apply(s);
                    },
                    (err: Error) => toast(err.message, 'bad'),
                  )
                }
              >
                Reveal for this session
              </button>
            </>
          }
        >
          <p>
            The grid, the console, quarantined rows, failing test rows, history and exports will show these columns in clear, in this {typeof window !== 'undefined' && window.claims ? 'window' : 'tab'} only, until you hide them
            again or the session ends. Other sessions stay masked.
          </p>
          <p className="muted">
            Direct identifiers: {direct.join(', ')}. Quasi-identifiers: {quasi.join(', ')}. Whole source rows: {status?.rowColumns.join(', ')}.
          </p>
        </Dialog>
      ) : null}
    </>
  );
}
