// Web mode's credentials, none of them ambient: a browser never holds a cookie or anything else it
// would send to another port of 127.0.0.1 by itself.
//  - one-time codes, printed in a link (`claims ui`, `claims ui link`): spent on first use, expire unused
//  - sessions, which a code is exchanged for: a secret the page keeps and sends as a header; they end
//    with the server or after 12 idle hours
//  - WebSocket tickets (a browser cannot set headers on a WebSocket): single use, a few seconds
// Only SHA-256 digests are kept, so a lookup never compares secrets byte by byte.

import { createHash, randomBytes } from 'node:crypto';

export const CODE_TTL_MS = 15 * 60_000;
export const SESSION_IDLE_MS = 12 * 60 * 60_000;
const TICKET_TTL_MS = 30_000;

const digest = (secret: string) => createHash('sha256').update(secret).digest('base64url');
const fresh = () => randomBytes(32).toString('base64url');

export class WebAuth {
  private readonly codes = new Map<string, number>(); // digest -> expires at
  private readonly sessions = new Map<string, number>(); // digest -> last seen
  private readonly tickets = new Map<string, number>(); // digest -> expires at

  constructor(private readonly now: () => number = Date.now) {}

  /** A new one-time code for a link. */
  mintCode(): string {
    this.sweep();
    const code = fresh();
    this.codes.set(digest(code), this.now() + CODE_TTL_MS);
    return code;
  }

  /** Spends a code: a session secret for a live, unspent code, else null. */
  exchange(code: string): string | null {
    const key = digest(code);
    const expires = this.codes.get(key);
    this.codes.delete(key);
    if (expires === undefined || expires < this.now()) return null;
    const session = fresh();
    this.sessions.set(digest(session), this.now());
    return session;
  }

  /** Whether a session secret is live; using it keeps it alive. */
  touch(session: string): boolean {
    return this.sessionId(session) !== null;
  }

  /** A live session's id (its digest: per-session state is keyed by it, never by the secret), kept alive; null if not live. */
  sessionId(session: string): string | null {
    const key = digest(session);
    const seen = this.sessions.get(key);
    if (seen === undefined) return null;
    if (this.now() - seen > SESSION_IDLE_MS) {
      this.sessions.delete(key);
      return null;
    }
    this.sessions.set(key, this.now());
    return key;
  }

  /** A single-use ticket for opening the event WebSocket, for a caller holding a live session. */
  mintTicket(): string {
    this.sweep();
    const ticket = fresh();
    this.tickets.set(digest(ticket), this.now() + TICKET_TTL_MS);
    return ticket;
  }

  spendTicket(ticket: string): boolean {
    const key = digest(ticket);
    const expires = this.tickets.get(key);
    this.tickets.delete(key);
    return expires !== undefined && expires >= this.now();
  }

  private sweep(): void {
    const now = this.now();
    for (const [k, t] of this.codes) if (t < now) this.codes.delete(k);
    for (const [k, t] of this.tickets) if (t < now) this.tickets.delete(k);
    for (const [k, t] of this.sessions) if (now - t > SESSION_IDLE_MS) this.sessions.delete(k);
  }
}
