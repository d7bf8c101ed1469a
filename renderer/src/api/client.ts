// The renderer's side of the one service API. In Electron the preload exposes window.claims (IPC);
// in a browser the same calls go over HTTP and events over a WebSocket, authenticated by the
// cookie the launch URL set. Views only see call() and onEvents().

import type { ApiErrorBody, ApiMethod, ApiRequest, ApiResponse, CallResult, EventBatch } from '../../../pipeline/api/contract.ts';

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

async function httpCall(method: string, payload: unknown): Promise<CallResult<ApiMethod>> {
  let res: Response;
  try {
    res = await fetch(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload ?? {}), credentials: 'same-origin' });
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
  const connect = () => {
    onState('connecting');
    socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/events`);
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
    socket.onclose = () => {
      onState('closed');
      if (stopped) return;
      setTimeout(connect, delay);
      delay = Math.min(8000, delay * 2);
    };
  };
  connect();
  return () => {
    stopped = true;
    socket?.close();
  };
}
