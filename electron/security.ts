// The desktop window's security settings, kept apart from main.ts (which needs Electron's binary
// to run) so that tests can check them on any machine.

/** webPreferences of the app window, without the preload path. */
export const WINDOW_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  spellcheck: false,
} as const;

/** Sent as a header on every response the window loads: only the app's own files, no inline code. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/** The app is one page: every navigation away from it is refused. */
export function allowNavigation(_from: string, _to: string): boolean {
  return false;
}

/** New windows are never opened; https links go to the system browser instead. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: /^https:\/\//.test(url) };
}

/** Only the app's own page may call the service over IPC. */
export function isTrustedIpcSender(senderUrl: string, rendererUrl: string): boolean {
  return senderUrl.split('#')[0] === rendererUrl;
}
