import type { Command } from 'commander';
import { resolve } from 'node:path';
import { pipelineContext } from '../run/environment.ts';
import { clearLakeLock, LAKE_LOCK_KEY, readLakeLock } from '../run/lake-lock.ts';
import { DEFAULT_WORKSPACE } from '../workspace.ts';
import { color } from './progress.ts';

type Flags = { workspace: string; profile?: string; yes?: boolean };

export function registerUnlock(program: Command): void {
  program
    .command('unlock')
    .description("Show who holds a shared lake's run lock, and clear it once its holder is gone")
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--profile <name>', 'profile whose lake it is (default: the active one)')
    .option('--yes', 'clear the lock (only the version shown; a lock a new run took meanwhile stays)')
    .action(async (flags: Flags) => {
      const ctx = await pipelineContext(resolve(flags.workspace), flags.profile);
      try {
        const store = ctx.sharedLake;
        if (!store) return void console.log(`Profile ${ctx.profile.name} keeps its lake in this workspace; its runs take the workspace lock only.`);
        const state = await readLakeLock(store);
        if (!state) return void console.log(`${color.green('✔')} No run holds ${ctx.lake.root}.`);
        const h = state.holder;
        const age = state.ageMs === null ? '' : `, last heartbeat ${Math.round(state.ageMs / 1000)} s ago${state.stale ? ' (stale)' : ''}`;
        console.log(h ? `${h.what} (run ${h.run_id}) from ${h.host} pid ${h.pid}, workspace ${h.workspace}, since ${h.since}${age}` : `an unreadable lock object (${store.uri(LAKE_LOCK_KEY)})`);
        if (!flags.yes) {
          console.log(color.dim('Clear it with --yes once you know that run is gone (a live run that loses its lock stops).'));
          return;
        }
        await clearLakeLock(store, { etag: state.etag });
        console.log(`${color.green('✔')} Cleared the lake lock.`);
      } finally {
        await ctx.warehouse.close();
        await ctx.close();
      }
    });
}
