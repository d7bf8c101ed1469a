// What deploy uploads for the Glue jobs: each job's entry script (glue/jobs/<job>.py), the hfc-glue
// wheel (built from glue/ when missing or older than its sources) and the dataset contracts. Every
// artifact carries the SHA-256 of its bytes: a job's code version is a hash of the artifacts it
// runs, so the same content is the same version (nothing uploaded) and one changed byte is a new one.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type GlueJobKind = 'cleanse' | 'load';
export const GLUE_JOB_KINDS: readonly GlueJobKind[] = ['cleanse', 'load'];

export interface Artifact {
  /** where it goes below a version's prefix: cleanse.py, hfc_glue-0.1.0-py3-none-any.whl, contracts/claims.yaml */
  name: string;
  bytes: Buffer;
  sha256: string;
}

/** What the jobs run, as deploy uploads it. */
export interface JobArtifacts {
  /** per job: its entry script */
  scripts: Record<GlueJobKind, Artifact>;
  /** the hfc-glue wheel, which the jobs install with --additional-python-modules */
  wheel: Artifact;
  /** the contracts the wheel carries, also as plain files beside it, for people reading what a version validates */
  contracts: Artifact[];
}

/** Where deploy's artifacts come from: the checkout (repoArtifacts), or a test's variation of it. */
export interface ArtifactSource {
  load(log?: (message: string) => void): Promise<JobArtifacts>;
}

export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

export function artifact(name: string, bytes: Buffer): Artifact {
  return { name, bytes, sha256: sha256(bytes) };
}

/** The version of a job's code: a hash over the names and hashes of what it runs (16 hex digits). */
export function codeVersion(files: Artifact[]): string {
  const lines = [...files].sort((a, b) => a.name.localeCompare(b.name)).map((f) => `${f.name} ${f.sha256}\n`);
  return sha256(lines.join('')).slice(0, 16);
}

/** The artifacts one job runs: its script, the wheel, the contracts. */
export const jobFiles = (a: JobArtifacts, job: GlueJobKind): Artifact[] => [a.scripts[job], a.wheel, ...a.contracts];

async function filesUnder(dir: string, skip: (rel: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const rel = relative(dir, full).split(sep).join('/');
    if (!skip(rel)) out.push(rel);
  }
  return out.sort();
}

/** the contracts as the wheel's build hook takes them: everything but the loaders' test cases */
const notAContract = (rel: string) => rel.startsWith('testdata/');
/** what the wheel is built from (glue/pyproject.toml: packages hfc_glue, no caches) */
const notWheelSource = (rel: string) => rel.includes('__pycache__/') || rel.endsWith('.pyc');

export class WheelBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WheelBuildError';
  }
}

/**
 * The hfc-glue wheel of the checkout at `root`: dist/glue/<wheel>, rebuilt (as `npm run build:glue`
 * does) when it is missing or its recorded sources differ from the checkout's. The build is
 * reproducible, so a rebuild of unchanged sources gives the same bytes.
 */
export async function glueWheel(root: string, log?: (message: string) => void): Promise<Artifact> {
  const glue = join(root, 'glue');
  const contracts = join(root, 'pipeline', 'contracts');
  const sources: string[] = [];
  for (const rel of ['pyproject.toml', 'hatch_build.py']) sources.push(`glue/${rel} ${sha256(await readFile(join(glue, rel)))}`);
  for (const rel of await filesUnder(join(glue, 'hfc_glue'), notWheelSource)) sources.push(`glue/hfc_glue/${rel} ${sha256(await readFile(join(glue, 'hfc_glue', rel)))}`);
  for (const rel of await filesUnder(contracts, notAContract)) sources.push(`pipeline/contracts/${rel} ${sha256(await readFile(join(contracts, rel)))}`);
  const stamp = sha256(sources.join('\n'));

  const pyproject = await readFile(join(glue, 'pyproject.toml'), 'utf8');
  const version = /^version\s*=\s*"([^"]+)"/m.exec(pyproject)?.[1];
  if (!version) throw new WheelBuildError(`${join(glue, 'pyproject.toml')}: no [project] version; the wheel's name needs it.`);
  const name = `hfc_glue-${version}-py3-none-any.whl`;
  const dist = join(root, 'dist', 'glue');
  const wheel = join(dist, name);
  const stampFile = join(dist, `${name}.sources`);
  const recorded = existsSync(stampFile) ? (await readFile(stampFile, 'utf8')).trim() : null;
  if (!existsSync(wheel) || recorded !== stamp) {
    log?.(existsSync(wheel) ? `The hfc-glue wheel's sources changed since it was built (or it has no record of them): rebuilding ${name}` : `Building the hfc-glue wheel ${name} (npm run build:glue)`);
    await buildWheel(root, dist, name);
    await writeFile(stampFile, `${stamp}\n`);
  }
  return artifact(name, await readFile(wheel));
}

async function buildWheel(root: string, dist: string, name: string): Promise<void> {
  const python = join(root, '.venv', process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');
  if (!existsSync(python)) throw new WheelBuildError(`The Python environment is missing (${python}): run \`npm run setup\`, then deploy again.`);
  await mkdir(dist, { recursive: true });
  // into a folder of its own, then moved: a deploy never uploads a half-written wheel
  const out = await mkdtemp(join(dist, '.build-'));
  try {
    const stderr: Buffer[] = [];
    const code = await new Promise<number>((done, fail) => {
      const child = spawn(python, ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', out, './glue'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PIP_NO_INPUT: '1' } });
      child.stderr.on('data', (d: Buffer) => stderr.push(d));
      child.on('error', fail);
      child.on('exit', (c) => done(c ?? 1));
    });
    if (code !== 0) throw new WheelBuildError(`Building the hfc-glue wheel failed (pip wheel exited ${code}):\n${Buffer.concat(stderr).toString().trim().split('\n').slice(-15).join('\n')}`);
    if (!existsSync(join(out, name))) throw new WheelBuildError(`Building the hfc-glue wheel made no ${name} (found: ${(await readdir(out)).join(', ') || 'nothing'}).`);
    await rename(join(out, name), join(dist, name));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** The artifacts of the checkout at `root` (default: this one). */
export function repoArtifacts(root: string = REPO_ROOT): ArtifactSource {
  return {
    async load(log) {
      const scripts = {} as Record<GlueJobKind, Artifact>;
      for (const job of GLUE_JOB_KINDS) scripts[job] = artifact(`${job}.py`, await readFile(join(root, 'glue', 'jobs', `${job}.py`)));
      const dir = join(root, 'pipeline', 'contracts');
      const contracts = await Promise.all((await filesUnder(dir, notAContract)).map(async (rel) => artifact(`contracts/${rel}`, await readFile(join(dir, rel)))));
      return { scripts, wheel: await glueWheel(root, log), contracts };
    },
  };
}
