#!/usr/bin/env node
// One-step install: Node packages, then two project-local Python environments: .venv with the
// pinned dbt, PySpark and test tools, and .venv-airflow with Apache Airflow (its pins conflict with
// dbt's, so it lives apart). Safe to re-run: each step is skipped when up to date.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const isWindows = process.platform === 'win32';
const pythonOf = (venv) => join(venv, isWindows ? 'Scripts/python.exe' : 'bin/python');
const venvPython = pythonOf(join(root, '.venv'));

function step(title) {
  console.log(`\n▸ ${title}`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
}

function capture(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() : null;
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    const v = capture(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']);
    if (v && /^3\.(\d+)$/.test(v) && Number(v.split('.')[1]) >= 10) return candidate;
  }
  return null;
}

/**
 * Creates the virtual environment `dir` if it is missing and installs the lock file into it, unless
 * the lock file is unchanged since the last install (a stamp in the environment records its hash).
 */
function pythonEnvironment(python, dir, lockFile) {
  const venv = join(root, dir);
  const venvPy = pythonOf(venv);
  if (!existsSync(venvPy)) run(python, ['-m', 'venv', venv]);
  const want = createHash('sha256').update(readFileSync(join(root, lockFile), 'utf8')).digest('hex');
  const stamp = join(venv, '.requirements.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return console.log('  up to date');
  run(venvPy, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', 'pip']);
  run(venvPy, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', lockFile]);
  writeFileSync(stamp, want);
}

try {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) throw new Error(`Node ${process.versions.node} is too old: install Node 20.19 or newer.`);

  step('Node packages');
  // Electron's package fetches its binary lazily, so this works offline; only a desktop window needs it.
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { shell: isWindows });

  step('Python environment (.venv)');
  const python = findPython();
  if (!python) throw new Error('Python 3.10 or newer is required (set PYTHON=/path/to/python3 if it is not on PATH).');
  const java = capture('java', ['-version']);
  if (!java) console.warn('  ! java not found: PySpark (the Glue jobs and their tests) needs Java 17.');
  pythonEnvironment(python, '.venv', 'requirements.txt');
  step('Airflow environment (.venv-airflow)');
  pythonEnvironment(python, '.venv-airflow', 'airflow/requirements.txt');
  step('Hadoop S3A jars for PySpark on s3:// lakes (cached outside the repository)');
  // hfc_glue.jars owns the list, the SHA-1 sums and the cache folder; jobs and tests never download.
  run(venvPython, ['-m', 'hfc_glue.jars', 'fetch'], { cwd: join(root, 'glue') });
  step('Browser for the end-to-end tests');
  // The UI tests drive a real Chromium through playwright-core. Playwright cannot download its own
  // browser here, so use the system one; install Debian's package when we can (as root, with apt).
  const chromium = process.env.CLAIMS_CHROMIUM ?? '/usr/bin/chromium';
  if (existsSync(chromium)) {
    console.log(`  ${chromium}`);
  } else if (process.platform === 'linux' && process.getuid?.() === 0 && capture('apt-get', ['--version'])) {
    run('apt-get', ['update', '-qq'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    console.warn(`  ! no Chromium at ${chromium}: the end-to-end tests need one (install chromium, or set CLAIMS_CHROMIUM to a Chrome/Chromium binary).`);
  }
  console.log('\n✔ setup complete');
} catch (err) {
  console.error(`\n✖ setup failed: ${err.message}`);
  process.exit(1);
}
