import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { LINK_SECRET_HEADER, runningUiServers } from '../api/transports/ui-server-file.ts';
import { color } from './progress.ts';

// the server, the service and vite load only when `claims ui` runs, so other commands start faster

/** Opens a URL in the default browser; failure is not fatal, the URL is printed anyway. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => console.log(`  (could not open a browser: open the URL above yourself)`));
  child.unref();
}

/** Asks the running server of a workspace for a fresh one-time link. */
async function printLink(flags: { workspace: string; port?: string }): Promise<void> {
  const workspace = resolve(flags.workspace);
  const servers = runningUiServers(workspace).filter((s) => flags.port === undefined || String(s.port) === flags.port);
  if (!servers.length) throw new Error(`No claims ui is running on workspace ${workspace}${flags.port ? ` at port ${flags.port}` : ''}. Start one with \`claims ui --workspace ${flags.workspace}\`.`);
  if (servers.length > 1) throw new Error(`Several claims ui servers run on ${workspace} (ports ${servers.map((s) => s.port).join(', ')}): pick one with --port.`);
  const server = servers[0]!;
  const res = await fetch(`${server.url}auth/link`, { method: 'POST', headers: { [LINK_SECRET_HEADER]: server.linkSecret } });
  const body = (await res.json().catch(() => null)) as { ok: boolean; result?: { url: string; expiresInSeconds: number }; error?: { message: string } } | null;
  if (!body?.ok || !body.result) throw new Error(`The server on port ${server.port} refused to make a link: ${body?.error?.message ?? `HTTP ${res.status}`}`);
  console.log(body.result.url);
  console.error(color.dim(`  one-time link: it works once, within ${Math.round(body.result.expiresInSeconds / 60)} minutes`));
}

export function registerUi(program: Command): void {
  const ui = program
    .command('ui')
    .description('Start the workbench in web mode: the app and its API on 127.0.0.1, opened with a one-time link')
    .option('--port <n>', 'port to listen on (default: a free one)')
    .option('--workspace <dir>', 'workspace folder (generated data, lake, warehouse, runs)', 'workspace')
    .option('--no-open', 'do not open a browser')
    .action(async (flags: { port?: string; workspace: string; open: boolean }) => {
      const port = flags.port === undefined ? 0 : Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: expected a port number from 0 to 65535, got "${flags.port}"`);
      const [{ ensureRendererBuilt }, { startUiServer }, { createClaimsService }] = await Promise.all([import('../api/transports/renderer-build.ts'), import('../api/transports/http.ts'), import('../api/service.ts')]);
      const staticDir = await ensureRendererBuilt((line) => console.log(color.dim(line)));
      const service = createClaimsService({ workspace: resolve(flags.workspace) });
      const server = await startUiServer({ service, staticDir, port });
      console.log(`${color.green('✔')} Claims workbench on ${server.launchUrl}`);
      console.log(`  workspace ${service.workspace}; the link works once (more: claims ui link --workspace ${flags.workspace}); press Ctrl+C to stop`);
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
  ui.command('link')
    .description('Print a fresh one-time link to the workbench running on a workspace (a second browser, a script)')
    .option('--workspace <dir>', 'workspace folder of the running claims ui', 'workspace')
    .option('--port <n>', 'which server, when several run on the workspace')
    // `ui` has --workspace and --port too and takes them wherever they appear: read both levels
    .action((_flags: unknown, cmd: Command) => printLink(cmd.optsWithGlobals<{ workspace: string; port?: string }>()));
}
