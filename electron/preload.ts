// The one API the renderer gets in desktop mode: call a service method, and receive event batches.
// Sandboxed preloads are CommonJS and may only require 'electron', so this file imports nothing
// else at run time (the channel names are repeated from pipeline/api/ipc.ts on purpose).

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

const IPC_CALL = 'claims:call';
const IPC_EVENTS = 'claims:events';

contextBridge.exposeInMainWorld('claims', {
  call: (method: string, payload: unknown): Promise<unknown> => ipcRenderer.invoke(IPC_CALL, method, payload),
  onEvents: (listener: (batch: unknown) => void): (() => void) => {
    const wrapped = (_e: IpcRendererEvent, batch: unknown) => listener(batch);
    ipcRenderer.on(IPC_EVENTS, wrapped);
    return () => ipcRenderer.removeListener(IPC_EVENTS, wrapped);
  },
});
