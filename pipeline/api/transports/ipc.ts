// Desktop mode's transport: the same service over Electron IPC. Typed against the few members of
// ipcMain it uses, so the pipeline core does not load Electron. Calls from any frame but the app's
// own page are refused; payloads are validated by the service like HTTP ones.

import type { ApiErrorBody, CallResult, EventBatch } from '../protocol.ts';
import { isApiMethod } from '../schemas.ts';
import type { ClaimsService } from '../service.ts';

export const IPC_CALL = 'claims:call';
export const IPC_EVENTS = 'claims:events';

export interface IpcMainLike {
  handle(channel: string, listener: (event: { senderFrame: { url: string } | null; sender: { id: number } }, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcBridgeOptions {
  /** true for the URL of the app's own page (file:// of the built renderer) */
  isTrustedSender(url: string): boolean;
  /** delivers an event batch to the app's window */
  send(batch: EventBatch): void;
}

export function bridgeIpc(ipcMain: IpcMainLike, service: ClaimsService, opts: IpcBridgeOptions): () => void {
  ipcMain.handle(IPC_CALL, async (event, method, payload): Promise<CallResult<never> | { ok: false; error: ApiErrorBody }> => {
    if (!event.senderFrame || !opts.isTrustedSender(event.senderFrame.url)) {
      return { ok: false, error: { code: 'unauthorized', message: 'Calls are accepted from the app window only.' } };
    }
    if (typeof method !== 'string' || !isApiMethod(method)) {
      return { ok: false, error: { code: 'not_found', message: `There is no API method "${String(method)}".` } };
    }
    // the window is the session: a reveal in one window leaves the others masked
    return service.call(method, payload, { session: `window:${event.sender.id}` }) as Promise<CallResult<never>>;
  });
  const unsubscribe = service.subscribe((batch) => opts.send(batch));
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_CALL);
  };
}
