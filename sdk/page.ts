// What the page says about itself: its category, from <meta name="piste:category"> or <body data-piste-category>.

/** A lower-case word, as the collector's wire schema wants it; anything else is left out. */
export function pageCategory(): string | undefined {
  const category = (
    (document.querySelector('meta[name="piste:category"]') as HTMLMetaElement | null)?.content ||
    document.body?.getAttribute('data-piste-category')
  )?.toLowerCase();
  return /^[a-z0-9_-]{1,40}$/.test(category!) ? category : undefined;
}
