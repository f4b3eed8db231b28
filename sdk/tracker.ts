// The tracker: wires ids, page capture, forms, consent and delivery behind one piste(command, …) function.
// Creating it has side effects (listeners, history hooks, the first pageview); only the entries call it.
import { readForm } from './forms';
import { IDS_KEY, uuid, visit } from './ids';
import { createQueue } from './queue';
import { flat } from './sanitize';
import { read, write } from './storage';
import type { Beacon, PisteEvent, Post } from './types';

export const CONSENT_KEY = 'piste_c';

export interface TrackerConfig {
  site: string;
  /** The collector's base URL, without a trailing slash; events go to `${api}/e`. */
  api: string;
  /** data-consent="required": nothing is stored or sent until consent(true). */
  consent?: boolean;
}

export type Piste = (command: string, a?: unknown, b?: unknown) => void;

/** Injected in tests; the browser's clock and transports otherwise. */
export interface TrackerDeps {
  now?: () => number;
  post?: Post;
  beacon?: Beacon;
}

/** Runs f, swallowing any error: the script never throws into the host page. */
const guard =
  <A extends unknown[]>(f: (...a: A) => unknown) =>
  (...a: A) => {
    try {
      f(...a);
    } catch {}
  };

export function createTracker(config: TrackerConfig, deps: TrackerDeps = {}): Piste {
  const d = document;
  const loc = location;
  const w = window as Window & { doNotTrack?: string };
  const n = navigator as Navigator & { globalPrivacyControl?: boolean };
  const now = deps.now || Date.now;
  const url = config.api + '/e';
  const queue = createQueue(
    config.site,
    now,
    // A string body makes both requests text/plain, a CORS "simple" request: no preflight. Browsers refuse
    // keepalive above 64 KB. A browser without fetch or sendBeacon throws here: the events stay queued.
    deps.post || ((body) => fetch(url, { method: 'POST', body, keepalive: body.length < 6e4 })),
    // A beacon sent offline is silently lost, so offline counts as refused.
    deps.beacon || ((body) => n.onLine && n.sendBeacon(url, body)),
  );
  const given = read(CONSENT_KEY);
  // A refusal is remembered even where consent is not required (reading storage stores nothing).
  let on = given == '1' || (!config.consent && given != '0');
  let ref = d.referrer;
  let current = '';
  let path = '';

  const send = (type: PisteEvent['type'], extra?: Partial<PisteEvent>, urgent?: boolean) => {
    const ts = now();
    // <meta name="piste:category"> or <body data-piste-category>, a lower-case word as the wire schema wants.
    const cat = (
      (d.querySelector('meta[name="piste:category"]') as HTMLMetaElement | null)?.content ||
      d.body.getAttribute('data-piste-category') ||
      ''
    ).toLowerCase();
    on &&
      queue.push(
        {
          id: uuid(),
          type,
          ts,
          ...visit(ts),
          // Cut to the collector's limits: one oversized field would get the whole batch refused.
          url: loc.href.slice(0, 2048),
          ref: ref.slice(0, 2048) || undefined,
          title: d.title.slice(0, 1000),
          cat: /^[\w-]{1,40}$/.test(cat) ? cat : undefined,
          ...extra,
        },
        urgent,
      );
  };

  const where = () => loc.pathname + loc.search;
  const pageview = () => {
    // After an SPA navigation the previous page is the referrer.
    if (current && current != loc.href) ref = current;
    current = loc.href;
    path = where();
    send('pageview');
  };

  const form = (target: unknown, urgent?: unknown) => {
    const p = readForm(target as HTMLFormElement);
    p && send('form_submit', p, !!urgent);
  };

  const commands: Record<string, (a: unknown, b: unknown) => unknown> = {
    track: (a, b) => typeof a == 'string' && a && send('track', { name: a.slice(0, 100), props: flat(b) }),
    identify: (a, b) => typeof a == 'string' && send('identify', { email: a.slice(0, 320), traits: flat(b, true) as never }),
    pageview,
    form,
    consent(yes) {
      write(CONSENT_KEY, yes ? '1' : '0');
      if (!yes) (on = false), queue.clear(), write(IDS_KEY);
      else if (!on) (on = true), send('pageview');
    },
  };

  // Global Privacy Control or Do-Not-Track: nothing is stored or sent, not even after consent(true).
  if (n.globalPrivacyControl || n.doNotTrack == '1' || w.doNotTrack == '1') return () => {};
  // A submission that navigates away leaves no time for batching: its event goes out at once.
  d.addEventListener('submit', guard((e: Event) => form(e.target, true)), true);
  addEventListener('pagehide', guard(() => queue.flush(true)));
  d.addEventListener('visibilitychange', guard(() => d.hidden && queue.flush(true)));
  addEventListener('online', guard(queue.retry));
  // SPA navigation: called after the host's own pushState/replaceState, whose behaviour is unchanged.
  const changed = guard(() => where() != path && pageview());
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args);
      changed();
    };
  }
  addEventListener('popstate', changed);
  pageview();
  return guard((command: string, a?: unknown, b?: unknown) => commands[command](a, b));
}
