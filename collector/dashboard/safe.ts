// Turning visitor-controlled URLs into links only when they are plain http(s): everything else stays text.

const MAX_LINK_LENGTH = 4096;

/**
 * The normalized URL if it is an absolute http(s) URL, else undefined (render the value as text then).
 * Parsing with the WHATWG URL parser — the one browsers use — defeats case, whitespace, control-character
 * and entity tricks (` javascript:`, `java\tscript:`, `&#106;avascript:`): what we check is what the browser follows.
 * @example const href = safeHref(event.url); return href ? <a href={href}>{event.url}</a> : <span>{event.url}</span>;
 */
export function safeHref(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_LINK_LENGTH) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  return parsed.href;
}
