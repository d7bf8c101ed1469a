// The renderer's side of the one service API. In Electron the preload exposes window.claims (IPC);
// in a browser the same calls go over HTTP and events over a WebSocket. Web mode authenticates with
// a session secret bought once with the one-time code of the link the page was opened from; it is
// kept in this tab's sessionStorage and sent as a header, never as a cookie (cookies would reach
// every other port of 127.0.0.1). Views only see call() and onEvents().

import type { ApiErrorBody, ApiMethod, ApiRequest, ApiResponse, CallResult, EventBatch } from '../../../pipeline/api/protocol.ts';

interface Bridge {
  call(method: string, payload: unknown): Promise<unknown>;
  onEvents(listener: (batch: unknown) => void): () => void;
}

declare global {
  interface Window {
    claims?: Bridge;
  }
}

export class ApiCallError extends Error {
  readonly body: ApiErrorBody;
  constructor(body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiCallError';
    this.body = body;
  }
}

export const transport: 'ipc' | 'http' = typeof window !== 'undefined' && window.claims ? 'ipc' : 'http';

const SESSION_KEY = 'claims.session';

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body ?? {}), credentials: 'omit', cache: 'no-store' });
}

export type SessionState = { ok: true } | { ok: false; message: string; hint: string };

/**
 * Web mode: trades the link's one-time code (in the URL fragment, never sent to a server) for a
 * session, and takes the code out of the address bar and history. A reload keeps the session.
 */
export async function ensureSession(): Promise<SessionState> {
  if (transport === 'ipc') return { ok: true };
  const code = new URLSearchParams(location.hash.slice(1)).get('code');
  if (code) {
    history.replaceState(null, '', `${location.pathname}${location.search}`);
    try {
      const res = await postJson('/auth/session', { code });
      const body = (await res.json()) as { ok: boolean; result?: { session: string }; error?: ApiErrorBody };
      if (body.ok && body.result) {
        sessionStorage.setItem(SESSION_KEY, body.result.session);
        return { ok: true };
      }
      return { ok: false, message: body.error?.message ?? 'The link was refused.', hint: body.error?.hint ?? '' };
    } catch (err) {
      return { ok: false, message: `The workbench server is not answering (${(err as Error).message}).`, hint: 'Is claims ui still running?' };
    }
  }
  if (sessionStorage.getItem(SESSION_KEY)) return { ok: true };
  return { ok: false, message: 'Open the app from the link claims ui printed.', hint: 'Each link works once; for a new one, run: claims ui link --workspace <dir>' };
}

const authHeader = (): Record<string, string> => {
  const session = sessionStorage.getItem(SESSION_KEY);
  return session ? { authorization: `Bearer ${session}` } : {};
};

async function httpCall(method: string, payload: unknown): Promise<CallResult<ApiMethod>> {
  let res: Response;
  try {
    res = await postJson(`/api/${method}`, payload, authHeader());
  } catch (err) {
    return { ok: false, error: { code: 'unavailable', message: `The workbench server is not answering (${(err as Error).message}).`, hint: 'Is claims ui still running?' } };
  }
  try {
    return (await res.json()) as CallResult<ApiMethod>;
  } catch {
    return { ok: false, error: { code: 'internal', message: `The server answered ${res.status} without a JSON body.` } };
  }
}

export async function call<M extends ApiMethod>(method: M, payload: ApiRequest<M>): Promise<ApiResponse<M>> {
  const result = (transport === 'ipc' ? await window.claims!.call(method, payload) : await httpCall(method, payload)) as CallResult<M>;
  if (!result.ok) throw new ApiCallError(result.error);
  return result.result;
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** Subscribes to server events; reconnects the WebSocket with a backoff in web mode. */
export function onEvents(listener: (batch: EventBatch) => void, onState: (s: ConnectionState) => void = () => {}): () => void {
  if (transport === 'ipc') {
    onState('open');
    return window.claims!.onEvents((b) => listener(b as EventBatch));
  }
  let socket: WebSocket | null = null;
  let stopped = false;
  let delay = 500;
  const retry = () => {
    onState('closed');
    if (stopped) return;
    setTimeout(() => void connect(), delay);
    delay = Math.min(8000, delay * 2);
  };
  // each (re)connection opens with a fresh single-use ticket: a browser cannot put headers on a WebSocket
  const connect = async () => {
    onState('connecting');
    let ticket: string;
    try {
      const body = (await (await postJson('/auth/ticket', {}, authHeader())).json()) as { ok: boolean; result?: { ticket: string } };
      if (!body.ok || !body.result) return retry();
      ticket = body.result.ticket;
    } catch {
      return retry();
    }
    if (stopped) return;
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events?ticket=${encodeURIComponent(ticket)}`);
    socket.onopen = () => {
      delay = 500;
      onState('open');
    };
    socket.onmessage = (m) => {
      try {
        listener(JSON.parse(String(m.data)) as EventBatch);
      } catch {
        // a malformed frame is dropped; the next batch carries the state forward
      }
    };
    socket.onclose = retry;
  };
  void connect();
  return () => {
    stopped = true;
    socket?.close();
  };
}
