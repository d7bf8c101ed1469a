// Electron's main process, kept thin: one window on the built renderer, the service bridged over
// IPC, and the security switches (context isolation, sandbox, no Node in the page, a strict CSP,
// no navigation, no new windows).

import { app, BrowserWindow, ipcMain, Menu, session, shell } from 'electron';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bridgeIpc, IPC_EVENTS } from '../pipeline/api/transports/ipc.ts';
import { createClaimsService } from '../pipeline/api/service.ts';
import { allowNavigation, CONTENT_SECURITY_POLICY, isTrustedIpcSender, WINDOW_WEB_PREFERENCES, windowOpenDecision } from './security.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const rendererIndex = join(root, 'dist', 'renderer', 'index.html');
const preload = join(root, 'dist', 'electron', 'preload.cjs');
const rendererUrl = pathToFileURL(rendererIndex).href;
const workspace = resolve(process.env.CLAIMS_WORKSPACE ?? join(process.cwd(), 'workspace'));

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    title: 'Claims workbench',
    backgroundColor: '#0f1115',
    show: false,
    webPreferences: { ...WINDOW_WEB_PREFERENCES, preload },
  });
  win.once('ready-to-show', () => win.show());
  // The app is one page: any navigation is refused, and links to the web open in the browser.
  win.webContents.on('will-navigate', (event, url) => {
    if (!allowNavigation(win.webContents.getURL(), url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.openExternally) void shell.openExternal(url);
    return { action: decision.action };
  });
  void win.loadFile(rendererIndex);
  return win;
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      { role: 'fileMenu' },
      { role: 'editMenu' },
      { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
      { role: 'windowMenu' },
    ]),
  );
  const service = createClaimsService({ workspace });
  const win = createWindow();
  const stop = bridgeIpc(ipcMain, service, {
    isTrustedSender: (url) => isTrustedIpcSender(url, rendererUrl),
    send: (batch) => {
      if (!win.isDestroyed()) win.webContents.send(IPC_EVENTS, batch);
    },
  });
  app.on('window-all-closed', () => {
    stop();
    void service.close().finally(() => app.quit());
  });
});
