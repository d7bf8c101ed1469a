// One moto server (S3, the Glue control plane, CloudWatch Logs) per vitest run, on loopback, for
// the AWS client tests. It starts the first time a test file asks for it, so test runs that do
// not touch AWS pay nothing; moto-global-setup.ts stops it when the run ends. This fixture is
// deliberately small: the product's own cloud emulator replaces it once it exists.
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsSettings } from '../aws/clients.ts';

export const MOTO_DIR_ENV = 'CLAIMS_TEST_MOTO_DIR';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const motoBinary = join(root, '.venv', 'bin', 'moto_server');
const START_TIMEOUT_MS = 30_000;

interface ServerRecord {
  pid?: number;
  endpoint?: string;
  error?: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a moto server detached from this worker (the run's teardown stops it by pid). */
async function startServer(dir: string): Promise<ServerRecord> {
  if (!existsSync(motoBinary)) return { error: `${motoBinary} is missing: run npm run setup (the Python environment has moto[server]).` };
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = openSync(join(dir, 'moto.log'), 'a');
  const child = spawn(motoBinary, ['-H', '127.0.0.1', '-p', String(port)], { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return { error: `moto_server exited with code ${child.exitCode}; see ${join(dir, 'moto.log')}` };
    if (await answers(endpoint)) return { pid: child.pid!, endpoint };
    await pause(100);
  }
  if (child.pid) process.kill(child.pid, 'SIGTERM');
  return { error: `moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS / 1000} s; see ${join(dir, 'moto.log')}` };
}

let shared: Promise<string> | undefined;

/** The endpoint of this run's moto server, starting it if no test file has yet. */
export function motoEndpoint(): Promise<string> {
  shared ??= (async () => {
    const dir = process.env[MOTO_DIR_ENV];
    if (!dir) throw new Error(`${MOTO_DIR_ENV} is not set: run the tests through vitest (vitest.config.ts registers pipeline/testing/moto-global-setup.ts).`);
    const recordPath = join(dir, 'server.json');
    let starter = false;
    try {
      await (await open(join(dir, 'start.lock'), 'wx')).close();
      starter = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (starter) {
      const record = await startServer(dir);
      await writeFile(`${recordPath}.tmp`, JSON.stringify(record));
      await rename(`${recordPath}.tmp`, recordPath);
    }
    const deadline = Date.now() + START_TIMEOUT_MS + 5_000;
    while (Date.now() < deadline) {
      const text = await readFile(recordPath, 'utf8').catch(() => null);
      if (text) {
        const record = JSON.parse(text) as ServerRecord;
        if (record.error || !record.endpoint) throw new Error(record.error ?? 'moto server record without endpoint');
        return record.endpoint;
      }
      await pause(100);
    }
    throw new Error('Timed out waiting for another test file to start the moto server.');
  })();
  return shared;
}

/**
 * AWS settings for the moto server, with dummy credentials put where the SDK's default provider
 * chain finds them first (the environment), and the developer's own AWS profiles out of reach, so
 * a test can never touch a real account.
 */
export async function motoAwsSettings(): Promise<AwsSettings> {
  const endpoint = await motoEndpoint();
  isolateAwsEnvironment();
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  return { region: 'us-east-1', endpoints: { s3: endpoint, glue: endpoint, logs: endpoint }, maxAttempts: 1 };
}

/** Removes every AWS credential source of the developer's machine from this process. */
export function isolateAwsEnvironment(): void {
  for (const name of Object.keys(process.env)) {
    if (/^AWS_/.test(name)) delete process.env[name];
  }
  process.env.AWS_CONFIG_FILE = join(root, '.no-aws-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(root, '.no-aws-credentials');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/** Drives moto's state machine for a model (e.g. glue::job_run) through its HTTP API. */
export async function setMotoTransition(model: string, transition: { progression: 'immediate' } | { progression: 'manual'; times: number }): Promise<void> {
  const res = await fetch(`${await motoEndpoint()}/moto-api/state-manager/set-transition`, {
    method: 'POST',
    body: JSON.stringify({ model_name: model, transition }),
  });
  if (!res.ok) throw new Error(`moto set-transition answered ${res.status}: ${await res.text()}`);
}
