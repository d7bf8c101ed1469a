// The shell: top bar (workspace, active profile, connection, theme, demo), navigation, the view.
import { useEffect } from 'react';
import { transport } from './api/client.ts';
import { Icon, type IconName } from './components/icons.tsx';
import { PiiSwitch } from './components/PiiSwitch.tsx';
import { ErrorBox, Loading } from './components/states.tsx';
import { useApp, startEventStream } from './state/app.ts';
import { useDemo } from './state/demo.ts';
import { useRouter, type ViewName } from './state/router.ts';
import { AnalyticsView } from './views/AnalyticsView.tsx';
import { CloudView } from './views/CloudView.tsx';
import { CompareView } from './views/CompareView.tsx';
import { DataView } from './views/DataView.tsx';
import { DemoPanel } from './views/DemoPanel.tsx';
import { GenerateView } from './views/GenerateView.tsx';
import { HistoryView } from './views/HistoryView.tsx';
import { LineageView } from './views/LineageView.tsx';
import { PipelineView } from './views/PipelineView.tsx';
import { ProfileSwitcher, ProfilesView } from './views/ProfilesView.tsx';
import { QualityView } from './views/QualityView.tsx';
import { RunDetailView } from './views/RunDetailView.tsx';
import { ShortcutsDialog } from './views/ShortcutsDialog.tsx';
import { SqlView } from './views/SqlView.tsx';

const NAV: { section: string; items: { view: ViewName; label: string; icon: IconName }[] }[] = [
  { section: 'Build', items: [{ view: 'generate', label: 'Generate', icon: 'generate' }, { view: 'data', label: 'Data', icon: 'data' }, { view: 'pipeline', label: 'Pipeline', icon: 'pipeline' }] },
  { section: 'Inspect', items: [{ view: 'quality', label: 'Quality', icon: 'quality' }, { view: 'lineage', label: 'Lineage', icon: 'lineage' }, { view: 'analytics', label: 'Analytics', icon: 'analytics' }, { view: 'history', label: 'History', icon: 'history' }, { view: 'compare', label: 'Compare profiles', icon: 'compare' }, { view: 'sql', label: 'SQL console', icon: 'sql' }] },
  { section: 'Settings', items: [{ view: 'profiles', label: 'Profiles', icon: 'profiles' }, { view: 'cloud', label: 'Check & deploy', icon: 'check' }] },
];

function CurrentView({ view }: { view: ViewName }) {
  switch (view) {
    case 'generate':
      return <GenerateView />;
    case 'data':
      return <DataView />;
    case 'pipeline':
      return <PipelineView />;
    case 'run':
      return <RunDetailView />;
    case 'quality':
      return <QualityView />;
    case 'lineage':
      return <LineageView />;
    case 'analytics':
      return <AnalyticsView />;
    case 'history':
      return <HistoryView />;
    case 'compare':
      return <CompareView />;
    case 'sql':
      return <SqlView />;
    case 'profiles':
      return <ProfilesView />;
    case 'cloud':
      return <CloudView />;
  }
}

export function App() {
  // one selector per value: an event batch re-renders the shell only when what it shows changed
  const info = useApp((s) => s.info);
  const infoError = useApp((s) => s.infoError);
  const loadInfo = useApp((s) => s.loadInfo);
  const theme = useApp((s) => s.theme);
  const setTheme = useApp((s) => s.setTheme);
  const connection = useApp((s) => s.connection);
  const activeRunId = useApp((s) => s.activeRunId);
  const generating = useApp((s) => (s.generate?.status === 'running' ? Math.round(s.generate.fraction * 100) : null));
  const toasts = useApp((s) => s.toasts);
  const piiRevealed = useApp((s) => s.piiRevealed);
  const route = useRouter((s) => s.route);
  const go = useRouter((s) => s.go);
  const startDemo = useDemo((s) => s.start);
  const demoActive = useDemo((s) => s.active);
  useEffect(() => {
    void loadInfo();
    return startEventStream();
  }, [loadInfo]);

  if (infoError && !info) {
    return (
      <div style={{ padding: 40, maxWidth: 640 }}>
        <h1 style={{ marginBottom: 12 }}>The workbench cannot reach its service</h1>
        <ErrorBox error={new Error(infoError)} action={<button className="btn" onClick={() => void loadInfo()}>Retry</button>} />
      </div>
    );
  }
  if (!info) return <Loading label="Starting the workbench…" />;
  const current = route.view === 'run' ? 'pipeline' : route.view;
  return (
    <div className={`shell${piiRevealed ? ' pii-revealed' : ''}`}>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark">H</span>
          Claims workbench
        </div>
        <span className="workspace-path" title={info.workspace}>
          {info.workspace}
        </span>
        <span className="spacer" />
        {activeRunId ? (
          <button className="badge run" style={{ border: 0, cursor: 'pointer' }} onClick={() => go('run', { id: activeRunId })}>
            <span className="dot run" /> run in progress
          </button>
        ) : null}
        {generating !== null ? (
          <button className="badge run" style={{ border: 0, cursor: 'pointer' }} onClick={() => go('generate')}>
            <span className="dot run" /> generating {generating}%
          </button>
        ) : null}
        <PiiSwitch />
        <ProfileSwitcher />
        <span className="conn" title={transport === 'ipc' ? 'Desktop app (IPC)' : 'Web mode (HTTP + WebSocket on 127.0.0.1)'}>
          <span className={`dot ${connection === 'open' ? 'ok' : connection === 'closed' ? 'bad' : ''}`} />
          {connection === 'open' ? 'live' : connection === 'closed' ? 'offline' : 'connecting'}
        </span>
        <button className="btn ghost icon-btn" aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`} title="Theme" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} data-testid="theme-toggle">
          <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
        </button>
        <button className="btn primary" onClick={() => startDemo()} disabled={demoActive} data-testid="demo-start">
          <Icon name="demo" /> Demo
        </button>
      </header>
      <nav className="sidebar" aria-label="Views">
        {NAV.map((g) => (
          <div key={g.section}>
            <div className="nav-section">{g.section}</div>
            {g.items.map((item) => (
              <button key={item.view} className={`nav-item${current === item.view ? ' active' : ''}`} aria-current={current === item.view ? 'page' : undefined} onClick={() => go(item.view)}>
                <Icon name={item.icon} />
                {item.label}
              </button>
            ))}
          </div>
        ))}
        <div className="sidebar-foot">
          v{info.version} · {transport === 'ipc' ? 'desktop' : 'web mode'} · press <kbd>?</kbd> for shortcuts
        </div>
      </nav>
      <main className="main">
        {/* a profile switch gives every view a fresh start on the new profile's lake and warehouse; a PII reveal or hide refetches what they show */}
        <CurrentView key={`${info.activeProfile}:${piiRevealed ? 'revealed' : 'masked'}`} view={route.view} />
      </main>
      <DemoPanel />
      <ShortcutsDialog />
      <div className="toast-wrap" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast ${t.tone}`}>
            {t.text}
          </div>
        ))}
      </div>
    </div>
  );
}
