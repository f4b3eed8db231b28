// Public types of the ESM build (dist/piste.d.ts); sdk/esm.ts is checked against them.

export interface InitOptions {
  /** The site key the collector knows (`piste site add KEY`). */
  site: string;
  /** The collector's base URL, e.g. "https://collector.example.com", or a path on this site ("/piste"); events go to `${api}/e`. */
  api: string;
  /** "required": nothing is stored or sent until consent(true). */
  consent?: 'required';
}

/** Flat values only; nested objects are dropped. */
export type Props = Record<string, string | number | boolean>;

/** A form sent by code (fetch, custom widgets); fields go through the same sanitizer as <form> capture. */
export interface FormSubmission {
  email?: string;
  /** e.g. "demo", "contact_sales", "newsletter". */
  kind?: string;
  fields?: Record<string, string | number | boolean>;
}

/** Starts tracking (pageviews, SPA navigation, form autocapture). Throws on a missing site or api. */
export declare function init(options: InitOptions): void;
export declare function track(name: string, props?: Props): void;
export declare function identify(email: string, traits?: Props): void;
export declare function consent(granted: boolean): void;
export declare function pageview(): void;
export declare function form(form: HTMLFormElement | FormSubmission): void;
