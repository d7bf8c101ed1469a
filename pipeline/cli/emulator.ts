import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { EmulatorInfo } from '../emulator/index.ts';
import { DEFAULT_WORKSPACE } from '../workspace.ts';
import { color } from './progress.ts';

// the controller loads only when an emulator command runs

type Flags = { workspace: string; json?: boolean };

function printInfo(info: EmulatorInfo): void {
  console.log(`  supervisor  process ${info.pid}, since ${info.startedAt}; stops after ${Math.round(info.idleTimeoutSeconds / 60)} idle minutes`);
  console.log(`  S3, Glue, CloudWatch Logs  ${info.endpoints.s3}`);
  console.log(`  Snowflake (Node driver)    ${info.endpoints.snowflakeNode}`);
  console.log(`  Snowflake (Python, dbt)    ${info.endpoints.snowflakePython}`);
  for (const [name, s] of Object.entries(info.servers)) console.log(color.dim(`  ${name.padEnd(15)} process ${s.pid ?? '-'}, port ${s.port}${s.restarts ? `, restarted ${s.restarts}×` : ''}`));
  console.log(color.dim(`  state ${info.stateDir}; log ${info.log}`));
}

export function registerEmulator(program: Command): void {
  const emulator = program
    .command('emulator')
    .description('The cloud emulator (S3, Glue, CloudWatch Logs and Snowflake on 127.0.0.1) of a workspace')
    .option('--workspace <dir>', 'workspace folder (the emulator keeps its state in <workspace>/emulator)', DEFAULT_WORKSPACE);
  const flags = (cmd: Command) => cmd.optsWithGlobals<Flags>();

  emulator
    .command('start')
    .description('Start the emulator, or reuse the running one; returns once every server answers')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const f = flags(cmd);
      const { startEmulator } = await import('../emulator/index.ts');
      const info = await startEmulator(resolve(f.workspace));
      if (f.json) return void process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      console.log(`${color.green('✔')} Cloud emulator ${info.started ? 'started' : 'already running'}`);
      printInfo(info);
    });

  emulator
    .command('status')
    .description('Whether the emulator runs, and where its servers answer')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const f = flags(cmd);
      const { emulatorStatus } = await import('../emulator/index.ts');
      const status = await emulatorStatus(resolve(f.workspace));
      if (f.json) return void process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      if (!status.running) return void console.log(`Cloud emulator ${status.reason} ${color.dim(`(${status.stateDir}; start it with claims emulator start --workspace ${f.workspace})`)}`);
      console.log(`${color.green('●')} Cloud emulator running`);
      printInfo(status.info);
    });

  emulator
    .command('stop')
    .description('Stop the emulator and its servers (Snowflake data stays in <workspace>/emulator)')
    .option('--workspace <dir>', 'workspace folder', DEFAULT_WORKSPACE)
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      const f = flags(cmd);
      const { stopEmulator } = await import('../emulator/index.ts');
      const result = await stopEmulator(resolve(f.workspace));
      if (f.json) return void process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      console.log(result.stopped ? `${color.green('✔')} Cloud emulator stopped (process ${result.pid})` : `Cloud emulator ${result.reason}: nothing to stop`);
    });
}
