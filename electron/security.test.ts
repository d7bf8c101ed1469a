import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allowNavigation, CONTENT_SECURITY_POLICY, isTrustedIpcSender, WINDOW_WEB_PREFERENCES, windowOpenDecision } from './security.ts';

describe('desktop window security', () => {
  it('isolates the page from Node and sandboxes it', () => {
    expect(WINDOW_WEB_PREFERENCES).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInSubFrames: false, webSecurity: true, allowRunningInsecureContent: false, webviewTag: false });
  });

  it('uses these settings and this policy in the main process', () => {
    const main = readFileSync(new URL('./main.ts', import.meta.url), 'utf8');
    expect(main).toMatch(/webPreferences: \{ \.\.\.WINDOW_WEB_PREFERENCES, preload \}/);
    expect(main).toMatch(/'Content-Security-Policy': \[CONTENT_SECURITY_POLICY\]/);
    expect(main).toMatch(/setWindowOpenHandler/);
    expect(main).not.toMatch(/nodeIntegration: true|contextIsolation: false|sandbox: false/);
  });

  it('allows only its own scripts and styles, nothing inline or evaluated', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });

  it('blocks navigation and new windows, and trusts IPC from its own page only', () => {
    expect(allowNavigation('file:///app/index.html', 'https://evil.example')).toBe(false);
    expect(allowNavigation('file:///app/index.html', 'file:///etc/passwd')).toBe(false);
    expect(windowOpenDecision('https://docs.getdbt.com')).toEqual({ action: 'deny', openExternally: true });
    expect(windowOpenDecision('file:///etc/passwd')).toEqual({ action: 'deny', openExternally: false });
    expect(windowOpenDecision('javascript:alert(1)')).toEqual({ action: 'deny', openExternally: false });
    expect(isTrustedIpcSender('file:///app/dist/renderer/index.html#/data', 'file:///app/dist/renderer/index.html')).toBe(true);
    expect(isTrustedIpcSender('https://evil.example/index.html', 'file:///app/dist/renderer/index.html')).toBe(false);
  });
});
