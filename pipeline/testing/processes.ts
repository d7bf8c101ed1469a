// Which processes of this machine are left of something: those whose environment names it (a Glue
// run of the emulator runs in a process group whose environment names the run's work folder, and
// the JVM PySpark starts inherits it). Linux's /proc; a test that needs the answer runs there.
import { readdir, readFile } from 'node:fs/promises';

export async function processesNaming(text: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  const found: number[] = [];
  for (const pid of pids) {
    const env = await readFile(`/proc/${pid}/environ`).catch(() => null);
    if (env?.includes(text)) found.push(Number(pid));
  }
  return found;
}
