// Script-tag entry: reads the tag's data-* attributes (data-site, data-api defaulting to where the script
// was loaded from, data-consent), replaces the queue stub with the real piste() and replays, in order, the
// calls the page made before the script loaded.
import { start } from './core';

try {
  const w = window as Window & { piste?: { q?: unknown[][]; l?: 1 } };
  // The tag pasted twice (or by a tag manager as well): the first copy tracks, the others do nothing.
  if (w.piste?.l) throw 0;
  const script = document.currentScript as HTMLScriptElement;
  const { site, api, consent } = script.dataset;
  const queued = w.piste?.q || [];
  // data-api, or the script's own directory ("." resolved against its src).
  const piste = start(site!, new URL((api || '.').replace(/\/*$/, '/e'), script.src), consent == 'required');
  (w.piste = piste as typeof w.piste)!.l = 1;
  for (const args of queued) piste(...(args as [string]));
} catch {}
