import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ensureRendererBuilt } from '../api/renderer-build.ts';
import { startUiServer } from '../api/http.ts';
import { createClaimsService } from '../api/service.ts';
import { color } from './progress.ts';

/** Opens a URL in the default browser; failure is not fatal, the URL is printed anyway. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => console.log(`  (could not open a browser: open the URL above yourself)`));
  child.unref();
}

export function registerUi(program: Command): void {
  program
    .command('ui')
    .description('Start the workbench in web mode: the app and its API on 127.0.0.1, with a per-launch token')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option('--workspace <dir>', 'workspace folder (generated data, lake, warehouse, runs)', 'workspace')
    .option('--no-open', 'do not open a browser')
    .action(async (flags: { port?: string; workspace: string; open: boolean }) => {
      const port = flags.port === undefined ? 0 : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected a port number from 0 to 65535, got "${flags.port}"`);
      const staticDir = await ensureRendererBuilt((line) => console.log(color.dim(line)));
      const service = createClaimsService({ workspace: resolve(flags.workspace) });
      const server = await startUiServer({ service, staticDir, port });
      console.log(`${color.green('✔')} Claims workbench on ${server.launchUrl}`);
      console.log(`  workspace ${service.workspace}; press Ctrl+C to stop`);
      if (flags.open) openBrowser(server.launchUrl);
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server
            .close()
            .then(() => service.close())
            .finally(done);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
