// Script-tag configuration: data-site, data-api (default: where the script was loaded from), data-consent.

export interface TrackerConfig {
  site: string;
  /** The collector's base URL, without a trailing slash; events go to `${api}/e`. */
  api: string;
  /** data-consent="required": nothing is stored or sent until consent(true). */
  consent?: boolean;
}

export function readConfig(script: HTMLScriptElement | null): TrackerConfig | undefined {
  const attr = (name: string) => script && script.getAttribute('data-' + name);
  const site = attr('site');
  if (site)
    return {
      site,
      api: (attr('api') || new URL('.', script!.src).href).replace(/\/+$/, ''),
      consent: attr('consent') == 'required',
    };
}
