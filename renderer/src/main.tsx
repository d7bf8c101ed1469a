import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ensureSession } from './api/client.ts';
import { EmptyState } from './components/states.tsx';
import { useApp } from './state/app.ts';
import './styles.css';

document.documentElement.dataset.theme = useApp.getState().theme;
// a link pasted into a tab already on the app changes only the fragment: start over to spend its code
window.addEventListener('hashchange', () => {
  if (new URLSearchParams(location.hash.slice(1)).has('code')) location.reload();
});
const root = createRoot(document.getElementById('root')!);
void ensureSession().then((session) =>
  root.render(
    <StrictMode>
      {session.ok ? (
        <App />
      ) : (
        <div style={{ paddingTop: '12vh' }} data-testid="sign-in-needed">
          <EmptyState icon="info" title="Open the workbench from its link">
            {session.message}
            {session.hint ? (
              <>
                <br />
                {session.hint}
              </>
            ) : null}
          </EmptyState>
        </div>
      )}
    </StrictMode>,
  ),
);
