// Web mode's transport: the renderer and the service over HTTP and a WebSocket, on 127.0.0.1 only.
// The app's static files are public (they hold no data); every API call needs a session, sent as a
// Bearer header, which a one-time code from a printed link buys once (web-auth.ts). No cookie ever
// carries a credential: cookies are not kept apart by port, so any other listener on 127.0.0.1 would
// receive them. Host and Origin are checked on every request, so another site in the same browser
// cannot reach the API (DNS rebinding, CSRF).

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiErrorBody } from '../protocol.ts';
import { httpStatus } from '../errors.ts';
import { isApiMethod } from '../schemas.ts';
import type { ClaimsService } from '../service.ts';
import { LINK_SECRET_HEADER, removeUiServerFile, writeUiServerFile } from './ui-server-file.ts';
import { CODE_TTL_MS, SESSION_IDLE_MS, WebAuth } from './web-auth.ts';

const MAX_BODY = 1 << 20;
const HOST = '127.0.0.1';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

export interface UiServer {
  url: string;
  /** the link printed at start: the app's URL with a one-time code */
  launchUrl: string;
  port: number;
  /** A fresh one-time link (what `claims ui link` asks the running server for). */
  newLink(): string;
  close(): Promise<void>;
}

export interface UiServerOptions {
  service: ClaimsService;
  /** the built renderer (index.html and assets) */
  staticDir: string;
  port?: number;
  /** clock for code, session and ticket expiry (tests) */
  now?: () => number;
}

function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Headers every response carries, whatever it is. */
function securityHeaders(port: number, html: boolean): OutgoingHttpHeaders {
  return {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'x-frame-options': 'DENY',
    ...(html ? { 'content-security-policy': contentSecurityPolicy(port) } : {}),
  };
}

function sameSecret(given: string | undefined, secret: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.trim() === '' ? {} : JSON.parse(text);
}

class BadRequest extends Error {}

/** The request's path, decoded; a malformed URL or escape is the client's error, not ours. */
function requestPath(req: IncomingMessage, port: number): { pathname: string; search: URLSearchParams } {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
  } catch {
    throw new BadRequest('The request URL is malformed.');
  }
  try {
    return { pathname: decodeURIComponent(url.pathname), search: url.searchParams };
  } catch {
    throw new BadRequest(`The request path ${url.pathname.slice(0, 200)} is not validly percent-encoded.`);
  }
}

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const staticDir = resolve(opts.staticDir);
  const auth = new WebAuth(opts.now);
  let port = opts.port ?? 0;
  let linkSecret = '';
  const allowedHosts = () => [`${HOST}:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);

  const send = (res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders) => {
    res.writeHead(status, { ...securityHeaders(port, false), 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown) => send(res, status, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8' });
  const sendError = (res: ServerResponse, error: ApiErrorBody) => sendJson(res, httpStatus(error.code), { ok: false, error });

  /** the live session's id, or null */
  const sessionOf = (req: IncomingMessage): string | null => {
    const header = req.headers.authorization;
    return header?.startsWith('Bearer ') === true ? auth.sessionId(header.slice(7)) : null;
  };
  // A page on another origin (or a rebound DNS name) never gets past these two checks.
  const trustedSource = (req: IncomingMessage): boolean => {
    if (!allowedHosts().includes(req.headers.host ?? '')) return false;
    const origin = req.headers.origin;
    return origin === undefined || allowedOrigins().includes(origin);
  };
  const linkFor = (code: string) => `http://${HOST}:${port}/#code=${code}`;

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    let file = resolve(staticDir, `.${pathname}`);
    if (file !== staticDir && !file.startsWith(staticDir + sep)) return sendError(res, { code: 'not_found', message: 'Not found.' });
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticDir, 'index.html');
    if (!existsSync(file)) return sendError(res, { code: 'unavailable', message: `The renderer is not built: ${file} is missing.`, hint: 'Run npm run build:renderer.' });
    res.writeHead(200, {
      ...securityHeaders(port, file.endsWith('.html')),
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };

  // Credentials are bought and spent here, outside the service's method table.
  const authRoute = async (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    if (req.method !== 'POST') return sendError(res, { code: 'invalid_request', message: 'Use POST.' });
    if (pathname === '/auth/session') {
      const body = (await readJson(req).catch(() => null)) as { code?: unknown } | null;
      const session = typeof body?.code === 'string' ? auth.exchange(body.code) : null;
      if (!session) {
        return sendError(res, { code: 'unauthorized', message: 'This link was already used or has expired.', hint: 'Get a fresh one: claims ui link --workspace <dir>' });
      }
      return sendJson(res, 200, { ok: true, result: { session, idleTimeoutSeconds: SESSION_IDLE_MS / 1000 } });
    }
    if (pathname === '/auth/link') {
      const given = req.headers[LINK_SECRET_HEADER];
      if (!sameSecret(typeof given === 'string' ? given : undefined, linkSecret)) return sendError(res, { code: 'unauthorized', message: 'Wrong or missing link secret.' });
      return sendJson(res, 200, { ok: true, result: { url: linkFor(auth.mintCode()), expiresInSeconds: CODE_TTL_MS / 1000 } });
    }
    if (pathname === '/auth/ticket') {
      if (!sessionOf(req)) return sendError(res, { code: 'unauthorized', message: 'No live session.', hint: 'Open the app from a link printed by claims ui.' });
      return sendJson(res, 200, { ok: true, result: { ticket: auth.mintTicket() } });
    }
    return sendError(res, { code: 'not_found', message: 'Not found.' });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!trustedSource(req)) return sendError(res, { code: 'unauthorized', message: 'Requests must come from the app itself (Host or Origin not allowed).' });
    const { pathname } = requestPath(req, port);
    if (pathname.startsWith('/auth/')) return authRoute(req, res, pathname);
    if (pathname.startsWith('/api/')) {
      const session = sessionOf(req);
      if (!session) return sendError(res, { code: 'unauthorized', message: 'No live session: the call carries no session, or it ended.', hint: 'Open the app from a link printed by claims ui (or claims ui link).' });
      const method = pathname.slice('/api/'.length);
      if (req.method !== 'POST') return sendError(res, { code: 'invalid_request', message: 'API calls are POST requests with a JSON body.' });
      if (!isApiMethod(method)) return sendError(res, { code: 'not_found', message: `There is no API method "${method.slice(0, 100)}".` });
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendError(res, { code: 'invalid_request', message: 'Send the request body as application/json.' });
      let payload: unknown;
      try {
        payload = await readJson(req);
      } catch (err) {
        return sendError(res, { code: 'invalid_request', message: `The request body is not valid JSON: ${(err as Error).message}.` });
      }
      // each tab's session is its own caller: what it revealed, no other session sees
      const result = await opts.service.call(method, payload, { session: `web:${session}` });
      return result.ok ? sendJson(res, 200, result) : sendError(res, result.error);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, { code: 'invalid_request', message: 'Only GET is served here.' });
    serveStatic(req, res, pathname);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return res.destroy();
      if (err instanceof BadRequest) return sendError(res, { code: 'invalid_request', message: err.message });
      sendError(res, { code: 'internal', message: (err as Error).message });
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    let ok = false;
    try {
      const { pathname, search } = requestPath(req, port);
      ok = pathname === '/api/events' && trustedSource(req) && auth.spendTicket(search.get('ticket') ?? '');
    } catch {
      ok = false;
    }
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WebSocket) => {
    const unsubscribe = opts.service.subscribe((batch) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(batch));
    });
    // The socket is one-way (server to app); anything the client sends is ignored.
    ws.on('close', unsubscribe);
    ws.on('error', unsubscribe);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${HOST}:${port}/`;
  linkSecret = writeUiServerFile(opts.service.workspace, { port, url }).linkSecret;
  return {
    url,
    launchUrl: linkFor(auth.mintCode()),
    port,
    newLink: () => linkFor(auth.mintCode()),
    async close() {
      removeUiServerFile(opts.service.workspace, port);
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
