// Script-tag entry: reads the tag's data-* attributes, replaces the queue stub with the real piste()
// and replays the calls the page made before the script loaded, in order.
import { readConfig } from './config';
import { createTracker } from './tracker';

try {
  const w = window as Window & { piste?: { q?: ArrayLike<unknown>[] } };
  const config = readConfig(document.currentScript as HTMLScriptElement | null);
  if (!config) console.warn('piste: no data-site');
  else {
    const queued = (w.piste && w.piste.q) || [];
    const piste = createTracker(config);
    w.piste = piste as never;
    for (let i = 0; i < queued.length; i++) piste.apply(0, queued[i] as never);
  }
} catch {}
