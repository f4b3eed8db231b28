// Sends one webhook request: SSRF-checked at connect time, no redirects, bounded time and response size.
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkUrl, resolveAndCheck, type LookupAll } from './ssrf';

export type SendWebhookOptions = {
  url: string;
  body: string;
  headers?: Record<string, string>;
  /** Whole request, connect to last byte read (default 10 s). */
  timeoutMs?: number;
  /** Operator switch PISTE_WEBHOOK_ALLOW_PRIVATE: allows loopback and private addresses (not metadata). */
  allowPrivate?: boolean;
  /** DNS resolution, injectable for tests (default: `dns.lookup` with `all: true`). */
  lookup?: LookupAll;
};

/** `status` is the HTTP status, or null when no response came; `error` is set unless it was a 2xx. */
export type SendResult = { status: number | null; error?: string };

export type SendWebhook = (opts: SendWebhookOptions) => Promise<SendResult>;

const MAX_RESPONSE_BYTES = 4096;
const MAX_ERROR_TEXT = 200;

/**
 * POSTs `body` to `url` once. The hostname is resolved and checked inside the socket's own `lookup`,
 * so the connection goes exactly to an address that passed the SSRF check (no DNS-rebinding gap).
 * Redirects are never followed: a 3xx is a failed attempt. Never throws.
 *
 * @example await sendWebhook({ url, body: JSON.stringify(payload), headers: signedHeaders(…) })
 */
export async function sendWebhook(opts: SendWebhookOptions): Promise<SendResult> {
  const { body, timeoutMs = 10_000, allowPrivate = false } = opts;
  let url: URL;
  let hostname: string;
  try {
    url = checkUrl(opts.url, { allowPrivate });
    hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    // Node connects to IP literals without calling `lookup`, so they are checked here. (The URL
    // parser has already turned odd IPv4 spellings like 0x7f.1 into dotted quads.)
    if (isIP(hostname)) await resolveAndCheck(hostname, { allowPrivate });
  } catch (err) {
    return { status: null, error: (err as Error).message };
  }

  const checkedLookup: LookupFunction = (name, options, callback) => {
    resolveAndCheck(name, { lookup: opts.lookup, allowPrivate }).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        if (wanted.length === 0) return callback(new Error(`no IPv${options.family} address for ${name}`), '', 0);
        if (options.all) return callback(null, wanted);
        callback(null, wanted[0].address, wanted[0].family);
      },
      (err: Error) => callback(err, '', 0),
    );
  };

  return new Promise<SendResult>((resolve) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ status: null, error: `timed out after ${timeoutMs} ms` }), timeoutMs);
    try {
      req = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        hostname,
        headers: { 'content-type': 'application/json', ...opts.headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: checkedLookup,
        agent: false, // one fresh, checked connection per attempt; nothing pooled across URLs
      });
    } catch (err) {
      // e.g. a header value with a newline: Node refuses it before sending anything.
      return finish({ status: null, error: (err as Error).message });
    }

    req.on('error', (err: NodeJS.ErrnoException) => finish({ status: null, error: err.code ? `${err.code}: ${err.message}` : err.message }));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_TEXT);
        if (status >= 200 && status < 300) return finish({ status });
        if (status >= 300 && status < 400) {
          return finish({ status, error: `redirect to ${(res.headers.location ?? '(no location)').slice(0, MAX_ERROR_TEXT)} not followed` });
        }
        finish({ status, error: `HTTP ${status}${text ? `: ${text}` : ''}` });
      };
      // Only the start of the answer matters (for the delivery log); a huge body is cut off.
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_RESPONSE_BYTES) chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
        size += chunk.length;
        if (size >= MAX_RESPONSE_BYTES) done();
      });
      res.on('end', done);
      res.on('error', done);
    });
    req.end(body);
  });
}
