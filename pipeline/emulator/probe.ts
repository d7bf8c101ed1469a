// Whether a server answers: any HTTP response counts (the servers answer unknown paths with 4xx).
// Plain node:http without keep-alive, so a probe never holds a socket that keeps a CLI process alive.

import { request } from 'node:http';
import type { EmulatorEndpoints } from './record.ts';

export function answers(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const req = request(url, { method: 'GET', agent: false, headers: { connection: 'close', 'user-agent': 'claims-emulator-probe' }, timeout: timeoutMs }, (res) => {
      res.resume();
      done(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
    req.end();
  });
}

export async function allAnswer(endpoints: EmulatorEndpoints, timeoutMs: number): Promise<boolean> {
  const urls = [...new Set(Object.values(endpoints))];
  const results = await Promise.all(urls.map((u) => answers(u, timeoutMs)));
  return results.every(Boolean);
}
