// Script-tag entry: reads the tag's data-* attributes (data-site, data-api defaulting to where the script
// was loaded from, data-consent), replaces the queue stub with the real piste() and replays, in order, the
// calls the page made before the script loaded.
import { createTracker } from './tracker';

try {
  const w = window as Window & { piste?: { q?: ArrayLike<unknown>[] } };
  const script = document.currentScript as HTMLScriptElement;
  const attr = (name: string) => script.getAttribute('data-' + name);
  const site = attr('site');
  const queued = (w.piste && w.piste.q) || [];
  // Misuse is loud, once; tracking itself never throws.
  if (!site) throw console.warn('piste: no data-site');
  const piste = createTracker({
    site,
    api: (attr('api') || new URL('.', script.src).href).replace(/\/+$/, ''),
    consent: attr('consent') == 'required',
  });
  w.piste = piste as never;
  for (let i = 0; i < queued.length; i++) piste.apply(0, queued[i] as never);
} catch {}
