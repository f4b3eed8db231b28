// CSV cells and rows per RFC 4180, safe against spreadsheet formula injection.

/** A cell a spreadsheet would run as a formula (or that hides one behind a tab/CR) starts with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell: null → empty; strings that would start a formula get a leading `'` and are quoted; quotes,
 * commas and line breaks are quoted with `"` doubled. Numbers are written as they are (we produce them).
 * @example csvCell('=HYPERLINK("x")') // "\"'=HYPERLINK(\"\"x\"\")\""
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const risky = FORMULA_START.test(value);
  const text = risky ? `'${value}` : value;
  return risky || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 says. */
export function csvRow(cells: Array<string | number | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
