// Web mode's transport: the renderer and the service over HTTP and a WebSocket, on 127.0.0.1
// only. Every request must carry the per-launch token: as a Bearer header (API clients, tests)
// or as the cookie set when the browser first opens the launch URL (/?token=…). Host and Origin
// are checked too, so another site in the same browser cannot reach the API (DNS rebinding, CSRF).

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { extname, join, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiErrorBody } from './contract.ts';
import { httpStatus } from './errors.ts';
import { isApiMethod } from './schemas.ts';
import type { ClaimsService } from './service.ts';

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
  /** the URL to open in a browser: it carries the token once, then a cookie does */
  launchUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export interface UiServerOptions {
  service: ClaimsService;
  /** the built renderer (index.html and assets) */
  staticDir: string;
  port?: number;
  token?: string;
}

export function contentSecurityPolicy(port: number): string {
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

function sameToken(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiErrorBody): void {
  sendJson(res, httpStatus(error.code), { ok: false, error });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error(`request body over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const UNAUTHORIZED_PAGE = `<!doctype html><meta charset="utf-8"><title>Claims workbench</title>
<body style="font:15px system-ui;margin:4rem;color:#333"><h1>Open the app from its launch URL</h1>
<p>This server only answers requests carrying its launch token. Use the URL that <code>claims ui</code> printed
(it looks like <code>http://127.0.0.1:PORT/?token=…</code>), or start it again.</p></body>`;

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const staticDir = resolve(opts.staticDir);
  let port = opts.port ?? 0;
  const cookieName = () => `claims_token_${port}`;
  const allowedHosts = () => [`${HOST}:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);

  const authorised = (req: IncomingMessage): boolean => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && sameToken(auth.slice(7), token)) return true;
    return sameToken(cookie(req, cookieName()), token);
  };
  // A page on another origin (or a rebound DNS name) never gets past these two checks.
  const trustedSource = (req: IncomingMessage): boolean => {
    if (!allowedHosts().includes(req.headers.host ?? '')) return false;
    const origin = req.headers.origin;
    return origin === undefined || allowedOrigins().includes(origin);
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, pathname: string) => {
    let file = resolve(staticDir, `.${decodeURIComponent(pathname)}`);
    if (file !== staticDir && !file.startsWith(staticDir + sep)) return sendError(res, { code: 'not_found', message: 'Not found.' });
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(staticDir, 'index.html');
    if (!existsSync(file)) return sendError(res, { code: 'unavailable', message: `The renderer is not built: ${file} is missing.`, hint: 'Run npm run build:renderer.' });
    const headers: Record<string, string> = {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'max-age=3600',
    };
    if (file.endsWith('.html')) {
      headers['content-security-policy'] = contentSecurityPolicy(port);
      headers['x-frame-options'] = 'DENY';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
      if (!trustedSource(req)) return sendError(res, { code: 'unauthorized', message: 'Requests must come from the app itself (Host or Origin not allowed).' });
      // The launch URL trades its token for a cookie and drops it from the address bar.
      if (req.method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) {
        if (!sameToken(url.searchParams.get('token') ?? undefined, token)) {
          res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
          return res.end(UNAUTHORIZED_PAGE);
        }
        res.writeHead(302, { location: '/', 'set-cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store' });
        return res.end();
      }
      if (!authorised(req)) {
        if (url.pathname.startsWith('/api/')) return sendError(res, { code: 'unauthorized', message: 'Missing or wrong launch token.', hint: 'Open the URL printed by claims ui.' });
        res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
        return res.end(UNAUTHORIZED_PAGE);
      }
      if (url.pathname.startsWith('/api/')) {
        const method = url.pathname.slice('/api/'.length);
        if (req.method !== 'POST') return sendError(res, { code: 'invalid_request', message: 'API calls are POST requests with a JSON body.' });
        if (!isApiMethod(method)) return sendError(res, { code: 'not_found', message: `There is no API method "${method}".` });
        if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendError(res, { code: 'invalid_request', message: 'Send the request body as application/json.' });
        let payload: unknown;
        try {
          const text = await readBody(req);
          payload = text.trim() === '' ? {} : JSON.parse(text);
        } catch (err) {
          return sendError(res, { code: 'invalid_request', message: `The request body is not valid JSON: ${(err as Error).message}.` });
        }
        const result = await opts.service.call(method, payload);
        return result.ok ? sendJson(res, 200, result) : sendError(res, result.error);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, { code: 'invalid_request', message: 'Only GET is served here.' });
      serveStatic(req, res, url.pathname);
    })().catch((err: unknown) => {
      if (!res.headersSent) sendError(res, { code: 'internal', message: (err as Error).message });
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    if (url.pathname !== '/api/events' || !trustedSource(req) || !authorised(req)) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
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
  return {
    url,
    launchUrl: `${url}?token=${token}`,
    token,
    port,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
