// The app in web mode, started in-process for a test: the real service on a workspace folder,
// the real HTTP/WebSocket server, the built renderer.
import { ensureRendererBuilt } from '../../pipeline/api/transports/renderer-build.ts';
import { startUiServer, type UiServer } from '../../pipeline/api/transports/http.ts';
import { createClaimsService, type ClaimsService } from '../../pipeline/api/service.ts';

export interface RunningApp extends UiServer {
  service: ClaimsService;
  stop(): Promise<void>;
}

export async function startApp(workspace: string): Promise<RunningApp> {
  const staticDir = await ensureRendererBuilt();
  const service = createClaimsService({ workspace, log: () => {} });
  const server = await startUiServer({ service, staticDir });
  return {
    ...server,
    service,
    async stop() {
      await server.close();
      await service.close();
    },
  };
}
