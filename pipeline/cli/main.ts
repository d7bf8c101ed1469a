import { Command, CommanderError } from 'commander';
import { registerDeploy } from './deploy.ts';
import { registerEmulator } from './emulator.ts';
import { registerGenerate } from './generate.ts';
import { registerUi } from './ui.ts';
import { color } from './progress.ts';
import { registerProfile } from './profile.ts';
import { registerRun } from './run.ts';
import { registerRuns } from './runs.ts';
import { registerSchedule } from './schedule.ts';
import { registerStatus } from './status.ts';
import { registerUnlock } from './unlock.ts';

const program = new Command();
program
  .name('claims')
  .description('Health Finance Claims workbench: generate synthetic claims data and run the pipeline')
  .showHelpAfterError('(add --help for usage)')
  .exitOverride();

registerGenerate(program);
registerRun(program);
registerRuns(program);
registerStatus(program);
registerSchedule(program);
registerProfile(program);
registerUi(program);
registerEmulator(program);
registerDeploy(program);
registerUnlock(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    console.error(`${color.red('✖')} ${(err as Error).message}`);
    // the product's errors say what to do (AWS, Snowflake, deploy)
    const hint = (err as { hint?: unknown }).hint;
    if (typeof hint === 'string' && hint) console.error(`  ${color.dim(`hint: ${hint}`)}`);
    if (process.env.CLAIMS_DEBUG) console.error((err as Error).stack);
    process.exitCode = 1;
  }
}
