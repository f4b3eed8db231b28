// Shapes shared by the script's modules: the wire event of SPEC §2 and the injected transports.

export type Primitive = string | number | boolean;
export type Flat = Record<string, Primitive>;

export interface FormInfo {
  id?: string;
  name?: string;
  action?: string;
  kind?: string;
  fields: Record<string, string>;
}

/** One event as POST /e receives it. */
export interface PisteEvent {
  id: string;
  type: 'pageview' | 'form_submit' | 'identify' | 'track';
  ts: number;
  vid: string;
  sid: string;
  url: string;
  ref?: string;
  title: string;
  cat?: string;
  name?: string;
  props?: Flat;
  email?: string;
  traits?: Record<string, string>;
  form?: FormInfo;
}

/** What a send resolves to: a Response (or anything with its status and headers); nothing on a network error. */
export type SendResult = { status: number; headers?: { get(name: string): string | null } } | undefined | void;
/** Sends one batch body while the page lives; never rejects. */
export type Post = (body: string) => Promise<SendResult>;
/** Hands one batch body to the browser so it survives the page; false when the browser refused it. */
export type Beacon = (body: string) => boolean;
