// The tracker: wires ids, page capture, forms, consent and delivery behind one piste(command, …) function.
// Creating it has side effects (listeners, history hooks, the first pageview); only the entries call it.
import { watchHistory } from './capture';
import type { TrackerConfig } from './config';
import { readForm } from './forms';
import { IDS_KEY, uuid, visit } from './ids';
import { pageCategory } from './page';
import { optedOut } from './privacy';
import { createQueue } from './queue';
import { flat } from './sanitize';
import { read, write } from './storage';
import { beaconTo, postTo } from './transport';
import type { Beacon, PisteEvent, Post } from './types';

export const CONSENT_KEY = 'piste_c';

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
  if (optedOut()) return () => {};
  const d = document;
  const loc = location;
  const now = deps.now || Date.now;
  const url = config.api + '/e';
  const queue = createQueue(config.site, now, deps.post || postTo(url), deps.beacon || beaconTo(url));
  const given = read(CONSENT_KEY);
  // A refusal is remembered even where consent is not required (reading storage stores nothing).
  let on = given == '1' || (!config.consent && given != '0');
  let ref = d.referrer;
  let current = '';
  let path = '';

  const send = (type: PisteEvent['type'], extra?: Partial<PisteEvent>, urgent?: boolean) => {
    if (!on) return;
    const ts = now();
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
        cat: pageCategory(),
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

  const form = (target: unknown, urgent?: boolean) => {
    const p = readForm(target as HTMLFormElement);
    p && send('form_submit', p, urgent);
  };

  const consent = (yes: unknown) => {
    write(CONSENT_KEY, yes ? '1' : '0');
    if (!yes) {
      on = false;
      queue.clear();
      write(IDS_KEY);
    } else if (!on) {
      on = true;
      send('pageview');
    }
  };

  // A submission that navigates away leaves no time for batching: its event goes out at once.
  d.addEventListener('submit', guard((e: Event) => form(e.target, true)), true);
  addEventListener('pagehide', guard(() => queue.flush(true)));
  d.addEventListener('visibilitychange', guard(() => d.hidden && queue.flush(true)));
  addEventListener('online', guard(queue.retry));
  watchHistory(guard(() => where() != path && pageview()));
  pageview();

  return guard((command: string, a?: unknown, b?: unknown) => {
    command == 'track'
      ? typeof a == 'string' && a && send('track', { name: a.slice(0, 100), props: flat(b) })
      : command == 'identify'
        ? typeof a == 'string' && send('identify', { email: a.slice(0, 320), traits: flat(b, true) as Record<string, string> })
        : command == 'pageview'
          ? pageview()
          : command == 'form'
            ? form(a)
            : command == 'consent' && consent(a);
  });
}
