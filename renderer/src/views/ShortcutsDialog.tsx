// Keyboard shortcuts, opened with "?" anywhere outside a text field.
import { useEffect, useState } from 'react';
import { Dialog } from '../components/Dialog.tsx';

const SHORTCUTS: [string, string][] = [
  ['↑ ↓ ← →', 'move the active cell in a grid'],
  ['Page Up / Page Down', 'move a screen up or down'],
  ['Home / End', 'first or last column'],
  ['Ctrl+Home / Ctrl+End', 'first or last row'],
  ['Enter', 'profile the active column'],
  ['Space (or double click)', 'show the active row field by field'],
  ['S / Shift+S', 'sort by the active column / add it as a further sort key'],
  ['Ctrl+C', 'copy the active cell'],
  ['Ctrl+Enter', 'run the query (SQL console)'],
  ['← → Esc', 'demo: back, next, end'],
  ['Tab / Shift+Tab', 'move between controls; dialogs keep the focus inside'],
  ['Esc', 'close a dialog'],
  ['?', 'this list'],
];

export function ShortcutsDialog() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '?' || (e.target as HTMLElement).closest('input, textarea, select')) return;
      e.preventDefault();
      setOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  if (!open) return null;
  return (
    <Dialog title="Keyboard shortcuts" onClose={() => setOpen(false)} footer={<button className="btn primary" onClick={() => setOpen(false)}>Done</button>}>
      <table className="table" data-testid="shortcuts">
        <tbody>
          {SHORTCUTS.map(([k, what]) => (
            <tr key={k}>
              <td style={{ whiteSpace: 'nowrap' }}>
                <code>{k}</code>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
