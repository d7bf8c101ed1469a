// Stable pseudonyms for key columns tagged as PII (member_id): the same id always shows as the same
// token in one workspace, so a filter or a search by the shown token still finds the member, and
// only this workspace's key turns a token back into the id. Deterministic authenticated encryption
// in the SIV style: the nonce is a keyed MAC of the value, the value is encrypted under it with
// AES-256-CTR, and decoding checks the MAC, so a made-up token is refused rather than decoded.
// The key is 32 random bytes in <workspace>/.pii/pseudonym.key (mode 0600), never logged.

import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const NONCE = 8;
const PREFIX = 'P';
const TOKEN = /^P[A-Za-z0-9_-]{12,120}$/;

export const pseudonymKeyPath = (workspaceRoot: string) => join(workspaceRoot, '.pii', 'pseudonym.key');

function workspaceKey(root: string): Buffer {
  const path = pseudonymKeyPath(root);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // wx: two services starting at once must not each write their own key
    try {
      writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(path, 0o600);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`The pseudonym key ${path} is not 32 bytes of base64: delete it to make a new one (tokens shown before then stop working).`);
  return key;
}

export class Pseudonyms {
  private readonly enc: Buffer;
  private readonly mac: Buffer;

  constructor(key: Buffer) {
    this.enc = createHmac('sha256', key).update('pii-pseudonym-enc').digest();
    this.mac = createHmac('sha256', key).update('pii-pseudonym-mac').digest();
  }

  static forWorkspace(root: string): Pseudonyms {
    return new Pseudonyms(workspaceKey(root));
  }

  static isToken(s: string): boolean {
    return TOKEN.test(s);
  }

  encode(value: string): string {
    const nonce = this.nonceOf(value);
    const cipher = createCipheriv('aes-256-ctr', this.enc, Buffer.concat([nonce, Buffer.alloc(16 - NONCE)]));
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([nonce, body]).toString('base64url');
  }

  /** The value behind a token of this workspace, or null for anything else. */
  decode(token: string): string | null {
    if (!Pseudonyms.isToken(token)) return null;
    const raw = Buffer.from(token.slice(PREFIX.length), 'base64url');
    if (raw.length <= NONCE) return null;
    const nonce = raw.subarray(0, NONCE);
    const decipher = createDecipheriv('aes-256-ctr', this.enc, Buffer.concat([nonce, Buffer.alloc(16 - NONCE)]));
    const value = Buffer.concat([decipher.update(raw.subarray(NONCE)), decipher.final()]).toString('utf8');
    return timingSafeEqual(this.nonceOf(value), nonce) ? value : null;
  }

  private nonceOf(value: string): Buffer {
    return createHmac('sha256', this.mac).update(value, 'utf8').digest().subarray(0, NONCE);
  }
}
