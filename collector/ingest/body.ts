// Reads POST /e bodies: media type, a streamed 500 KB limit, JSON, and the per-event and event-count limits.
import type { IncomingMessage } from 'node:http';
import { ApiError } from '../errors';
import { MAX_BODY_BYTES, MAX_EVENT_BYTES, MAX_EVENTS } from './schema';

const ACCEPTED_TYPES = new Set(['text/plain', 'application/json']);

/**
 * Parses the request's JSON body, answering 415/413/400 (as ApiError) before anything is validated or stored.
 * `incoming` (the Node request under @hono/node-server) is read directly when given: building a web stream costs
 * more than the rest of the ingest path.
 */
export async function readBeaconBody(request: Request, incoming?: IncomingMessage): Promise<unknown> {
  const header = (name: string) => requestHeader(request, incoming, name);
  const mediaType = (header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (!ACCEPTED_TYPES.has(mediaType)) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the body as text/plain or application/json.');
  }
  const declared = Number(header('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();

  const bytes = await (incoming ? readNodeLimited(incoming, MAX_BODY_BYTES) : readLimited(request, MAX_BODY_BYTES));
  let body: unknown;
  try {
    body = JSON.parse(utf8.decode(bytes));
  } catch {
    throw new ApiError(400, 'invalid_json', 'The body is not valid JSON.');
  }
  checkEventSizes(body, bytes.byteLength);
  return body;
}

/**
 * A request header from Node's own header object when there is one (under @hono/node-server): the web Request's
 * Headers are then never built, which cost more than the rest of answering a beacon. Node joins repeated headers
 * with ", " as Headers.get does.
 */
export function requestHeader(request: Request, incoming: IncomingMessage | undefined, name: string): string | undefined {
  if (!incoming) return request.headers.get(name) ?? undefined;
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

const utf8 = new TextDecoder(); // reusable (decode without `stream` keeps no state); drops a leading BOM as before

function tooLarge() {
  return new ApiError(413, 'payload_too_large', `The body is over ${MAX_BODY_BYTES / 1024} KB.`);
}

/** Reads the body stream and stops as soon as it passes `limit` bytes, whatever Content-Length claimed. */
async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** With the stream's events rather than `for await`, whose async iterator costs more than reading a small body. */
function readNodeLimited(incoming: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        incoming.off('data', onData);
        incoming.resume(); // drain the rest without keeping it, so the 413 can still be answered
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    incoming.on('data', onData);
    incoming.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    incoming.once('error', reject);
    if (incoming.readableEnded) resolve(Buffer.concat(chunks)); // already read (nothing more will come)
  });
}

/** `bodyBytes`: no event can be larger than a body of at most 32 KB, so the per-event measure is skipped for those. */
function checkEventSizes(body: unknown, bodyBytes: number) {
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return; // the schema explains what is wrong
  if (events.length > MAX_EVENTS) {
    throw new ApiError(413, 'too_many_events', `At most ${MAX_EVENTS} events per request.`, 'events');
  }
  if (bodyBytes <= MAX_EVENT_BYTES) return;
  events.forEach((event, i) => {
    let serialized: string;
    try {
      serialized = JSON.stringify(event) ?? '';
    } catch {
      // Thousands of nesting levels overflow the stack (found by test/fuzz-ingest.test.ts): a bad event, not a 500.
      throw new ApiError(400, 'invalid_event', 'The event is nested too deeply.', `events.${i}`);
    }
    if (Buffer.byteLength(serialized) > MAX_EVENT_BYTES) {
      throw new ApiError(413, 'payload_too_large', `An event is over ${MAX_EVENT_BYTES / 1024} KB.`, `events.${i}`);
    }
  });
}
