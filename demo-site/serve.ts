// A tiny static server for the demo site: clean URLs, a SPA fallback for /tour/*, the collector URL filled in.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, posix, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const COLLECTOR_PLACEHOLDER = '__PISTE_COLLECTOR__';

const ROOT = fileURLToPath(new URL('.', import.meta.url));

// Only site assets are served: never serve.ts or its test.
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.pdf': 'application/pdf',
  '.txt': 'text/plain; charset=utf-8',
};

export type DemoServerOptions = {
  /** 0 picks a free port. */
  port: number;
  /** Base URL of the collector, e.g. `http://localhost:8787`; replaces `__PISTE_COLLECTOR__` in pages. */
  collectorUrl: string;
  host?: string;
};

export type DemoServer = { url: string; port: number; close(): Promise<void> };

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The file under ROOT that a URL path names, or undefined. Never leaves ROOT (`..`, encoded slashes, symlinks). */
export async function resolveDemoPath(urlPath: string, root = ROOT): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const clean = posix.normalize(`/${decoded}`);
  if (clean.split('/').includes('..')) return undefined;
  const candidates = clean.endsWith('/')
    ? [`${clean}index.html`]
    : extname(clean) ? [clean] : [`${clean}.html`, `${clean}/index.html`];
  // The product tour is a single page app: every /tour/… path is the tour page.
  if (clean === '/tour' || clean.startsWith('/tour/')) candidates.push('/tour/index.html');
  const realRoot = await realpath(root);
  for (const candidate of candidates) {
    const path = join(root, candidate);
    if (!CONTENT_TYPES[extname(path)] || !(await isFile(path))) continue;
    const real = await realpath(path);
    if (real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return real;
  }
  return undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse, collectorUrl: string): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://demo.invalid').pathname;
  if (req.method === 'POST') {
    // Forms on the demo "post" to a static page: drain the body, then show that page (Post/Redirect/Get).
    req.resume();
    res.writeHead(303, { Location: path }).end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD, POST' }).end();
    return;
  }
  const file = await resolveDemoPath(path);
  if (!file) {
    const notFound = await resolveDemoPath('/404.html');
    const body = notFound ? (await readFile(notFound, 'utf8')).replaceAll(COLLECTOR_PLACEHOLDER, collectorUrl) : 'Not found';
    res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  const type = CONTENT_TYPES[extname(file)];
  let body: Buffer | string = await readFile(file);
  if (extname(file) === '.html') body = body.toString('utf8').replaceAll(COLLECTOR_PLACEHOLDER, collectorUrl);
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Starts the demo site server.
 * @example const demo = await createDemoServer({ port: 8080, collectorUrl: 'http://localhost:8787' }); … await demo.close();
 */
export async function createDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const collectorUrl = options.collectorUrl.replace(/\/+$/, '');
  const server = createServer((req, res) => {
    handle(req, res, collectorUrl).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('Internal error');
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    }),
  };
}
