// ESM entry for bundler users: init() once, then the commands of piste() as typed functions.
// Calls made before init() are kept and replayed in order, like the script tag's queue stub.
import { start, type Piste } from './core';
import type * as Api from './piste';

let piste: Piste | undefined;
const early: unknown[][] = [];
const call =
  (command: string) =>
  (...args: unknown[]) =>
    piste ? piste(command, ...args) : early.length < 100 && early.push([command, ...args]);

export const init: typeof Api.init = (options) => {
  if (!options || typeof options.site != 'string' || !options.site || !/^(https?:\/\/|\/)/.test(options.api))
    throw new Error('piste: init({ site, api }) needs a site key and the collector URL (http(s)://…, or a path on this site: /…)');
  // Server-side rendering has no window: nothing to track there.
  if (piste || typeof window == 'undefined') return;
  // A path (a collector behind this site's own proxy) is resolved against the page.
  piste = start(options.site, new URL(options.api.replace(/\/*$/, '/e'), location.href), options.consent == 'required');
  for (const args of early.splice(0)) piste(...(args as [string]));
};
export const track: typeof Api.track = call('track');
export const identify: typeof Api.identify = call('identify');
export const consent: typeof Api.consent = call('consent');
export const pageview: typeof Api.pageview = call('pageview');
export const form: typeof Api.form = call('form');
