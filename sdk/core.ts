// The tracker, as one closure: ids, the persisted delivery queue, page and form capture, consent, behind one
// piste(command, …) function. Starting it has side effects (listeners, history hooks, the first pageview).
import { flat, IGNORE, sanitize } from './sanitize';
import { json, read, write } from './store';

export const IDS_KEY = 'piste_id';
export const QUEUE_KEY = 'piste_q';
export const CONSENT_KEY = 'piste_c';
/** 390 days: under 13 months whatever the calendar. */
export const VISITOR_LIFETIME = 390 * 864e5;
export const SESSION_IDLE = 18e5;
/** Caps the backoff and a Retry-After alike (a delay above 2³¹ ms would make setTimeout fire at once). */
export const MAX_BACKOFF = 3e5;

export type Piste = (command: string, a?: unknown, b?: unknown) => void;

/** 16 random bytes (128 bits) as 32 hex digits (getRandomValues exists in every context, secure or not). */
const hex = () => crypto.getRandomValues(new Uint8Array(16)).reduce((s, x) => s + (x | 256).toString(16).slice(1), '');

/** Runs f, swallowing any error: every entry point (call, listener, timer) goes through one of these. */
const guard =
  <A extends unknown[]>(f: (...a: A) => unknown) =>
  (...a: A) => {
    try {
      f(...a);
    } catch {}
  };

/**
 * Starts tracking for `site`, posting batches to `url` (the collector's `/e`). `required`: data-consent=
 * "required", nothing is stored or sent until consent(true).
 */
export function start(site: string, url: string | URL, required?: boolean): Piste {
  const d = document;
  const loc = location;
  const now = Date.now;
  const n = navigator as Navigator & { globalPrivacyControl?: boolean };
  const given = read(CONSENT_KEY);
  // A refusal is remembered even where consent is not required (reading storage stores nothing).
  let on = given == 1 || (!required && given !== 0);
  let ref = d.referrer;
  /** The current page, without its hash: a hash change is not a pageview. */
  let page = '';
  let timer: ReturnType<typeof setTimeout> | 0 = 0;
  /** Consecutive failed sends: while above 0, only the backoff timer sends (no batch, no beacon). */
  let failures = 0;
  /**
   * Ids of events in requests still waiting for their answer, never sent twice at once: one string, each
   * request's ids (an array, so comma-joined) appended and later removed as a unit.
   */
  let sending = '';

  // The persisted queue is the only queue: batching, retry after failure and after reload are one path.
  // It is re-read on every change, since another tab may have written since; `queued` and `ids` are this
  // page's copies, read when storage is blocked or throws, so the page keeps working in memory.
  let queued: { id: string }[] | undefined;
  let ids: string[] | undefined;
  const load = (): { id: string }[] => read(QUEUE_KEY) || queued || [];
  const save = (events: { id: string }[]) => write(QUEUE_KEY, (queued = events[0] ? events.slice(-50) : undefined));
  const drop = (ids: string[]) => save(load().filter((e) => !ids.includes(e.id)));
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  };

  /** urgent (pagehide, hidden, form submit): the page may be going away, so hand the batch to sendBeacon. */
  const flush = guard((urgent?: unknown) => {
    const events = load().filter((e) => !sending.includes(e.id));
    const ids = events.map((e) => e.id);
    const body = json({ site, sentAt: now(), events });
    const done = guard((res: Response) => {
      sending = sending.replace(ids as never, '');
      // Delivered, or refused for good (4xx but 429): a retry would be refused again.
      if (/^(2|4(?!29))/.test(res.status as never)) (failures = 0), drop(ids);
      else {
        // A readable Retry-After wins over a shorter backoff: 1 s, 2 s, 4 s… times a jitter in [½, 1], capped
        // (clients that failed together are spread by their first retries' jitter).
        arm(Math.min(MAX_BACKOFF, Math.max(1e3 * (res.headers?.get('retry-after') as never) || 0, 1e3 * 2 ** failures++ * (0.5 + Math.random() / 2))));
      }
    });
    // Backing off: events stay queued (for the backoff timer, or the next page if this one goes away).
    // A missing fetch or sendBeacon throws into the guard: the events stay queued too.
    if (urgent)
      // A beacon sent offline is silently lost, so offline counts as refused. Refused (over 64 KB, or the
      // browser's quota): the events wait for the next flush or page. Accepted is not delivered (a collector
      // down, a 5xx, a beacon cut by the navigation): this page does not send them again, but they stay queued
      // until a fetch from a later page is answered; their ids make a second delivery count once.
      failures || (events[0] && n.onLine && n.sendBeacon(url, body) && (sending += ids));
    // Only the timer or a full batch get here; a batch timer still pending fires on an empty queue, harmlessly.
    // A string body makes it text/plain, a CORS "simple" request: no preflight. No keepalive: a request cut
    // by the page going away leaves its events queued, for the beacon or the next page. Marked in flight
    // only once fetch returned.
    else (timer = 0), events[0] && (fetch(url, { method: 'POST', body }).then(done, done), (sending += ids));
  });

  const send = (type: string, extra?: object, urgent?: unknown) => {
    if (!on) return;
    const ts = now();
    // Visitor and session in one stored value [vid, expires, sid, lastSeen]: one read, one write per event.
    let [vid, expires, sid, last] = read(IDS_KEY) || ids || [];
    // An expiry further than a lifetime away was tampered with: it must not outlive the rule either.
    if (!(vid && expires > ts && expires <= ts + VISITOR_LIFETIME)) (vid = hex()), (expires = ts + VISITOR_LIFETIME), (last = 0);
    if (!(ts - last < SESSION_IDLE)) sid = hex();
    write(IDS_KEY, (ids = [vid, expires, sid, ts]));
    const events = load().concat({
      // A v4 uuid; crypto.randomUUID only exists in secure contexts (https, localhost), elsewhere 128 random
      // bits in hex, which the collector accepts as well (8–64 of [A-Za-z0-9_-]).
      id: crypto.randomUUID?.() || hex(),
      type,
      ts,
      vid,
      sid,
      url: loc.href,
      ref,
      title: d.title,
      // <meta name="piste:category"> or <body data-piste-category>, as written: the collector trims and lower-cases it
      // (and json() leaves it out when empty). No body yet: the script runs in the head, without defer.
      cat: (d.querySelector('meta[name="piste:category"]') as HTMLMetaElement | null)?.content || d.body?.dataset.pisteCategory,
      ...extra,
    } as never);
    save(events);
    urgent || (events[9] && !failures) ? flush(urgent) : timer || arm(1e3);
  };

  const here = () => loc.href.split('#')[0];
  const pageview = () => {
    // After an SPA navigation the previous page is the referrer.
    ref = page || ref;
    page = here();
    send('pageview');
  };

  const commands: Record<string, (a: unknown, b: unknown) => unknown> = {
    track: (a, b) => a === '' + a && a && send('track', { name: a, props: flat(b) }),
    identify: (a, b) => a === '' + a && send('identify', { email: a, traits: flat(b) }),
    pageview,
    // A <form>, or a { email, kind, fields } object whose entries go through the very same checks as text
    // inputs; nothing for a form marked data-piste-ignore. Traits are left to the collector, which reads
    // name/company/title from the fields. Null attributes are dropped on the wire by json().
    form(f: any, urgent) {
      const isElement = f.nodeType;
      // getAttribute, not f.id/f.action: an <input name="action"> would shadow those properties.
      const attr = (a: string) => isElement && f.getAttribute(a);
      const [fields, email] = sanitize(
        isElement ? [...f.elements].map((el) => [el.name || el.id, el.value, el]) : Object.entries({ email: f.email, ...f.fields }),
        1,
      );
      f.closest?.(IGNORE) ||
        send(
          'form_submit',
          {
            email,
            form: { id: attr('id'), name: attr('name'), action: attr('action'), kind: isElement ? attr('data-piste-form') : f.kind && '' + f.kind, fields },
          },
          urgent,
        );
    },
    consent(yes) {
      write(CONSENT_KEY, yes ? 1 : 0);
      if (!yes) (on = false), save([]), write(IDS_KEY, (ids = undefined));
      // send, not pageview(): the page has not changed, so its referrer (the visit's source) stays.
      else if (!on) (on = true), send('pageview');
    },
  };

  // Global Privacy Control or Do-Not-Track: nothing is stored or sent, not even after consent(true).
  if (n.globalPrivacyControl || n.doNotTrack == '1') return () => {};
  // Capture phase, never preventDefault: a submission that navigates away goes out at once, by beacon.
  addEventListener('submit', guard((e: Event) => commands.form(e.target, 1)), true);
  // The event object makes these flushes urgent; visibilitychange bubbles from the document to window.
  addEventListener('pagehide', flush);
  addEventListener('visibilitychange', flush);
  // SPA navigation: after the host's own pushState/replaceState (whose behaviour is unchanged) and popstate, once
  // the router has had its turn to set the new page's title: a timer, so the pageview carries the new title.
  const changed = () => setTimeout(guard(() => here() != page && pageview()));
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = (...args: Parameters<History['pushState']>) => {
      original.apply(history, args);
      changed();
    };
  }
  addEventListener('popstate', changed);
  const piste = guard((command: string, a?: unknown, b?: unknown) => commands[command](a, b));
  piste('pageview');
  return piste;
}
