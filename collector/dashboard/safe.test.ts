import { describe, expect, it } from 'vitest';
import { safeHref } from './safe';

describe('safeHref', () => {
  it('keeps absolute http and https URLs, normalized', () => {
    expect(safeHref('https://acme.example/pricing?utm_source=x')).toBe('https://acme.example/pricing?utm_source=x');
    expect(safeHref('HTTP://Acme.Example/a b')).toBe('http://acme.example/a%20b');
    expect(safeHref('https://acme.example/"><script>')).toBe('https://acme.example/%22%3E%3Cscript%3E');
  });

  it.each([
    'javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', '\tjavascript:alert(1)',
    'java\tscript:alert(1)', 'java\nscript:alert(1)', '\u0000javascript:alert(1)', 'javascript&colon;alert(1)',
    '&#106;avascript:alert(1)', '&#x6A;avascript:alert(1)', 'jav&#x09;ascript:alert(1)', '%6Aavascript:alert(1)',
    'data:text/html,<script>alert(1)</script>', 'DATA:text/html;base64,PHNjcmlwdD4=', 'vbscript:msgbox(1)',
    'file:///etc/passwd', 'ftp://example.com/', 'mailto:a@b.c', 'blob:https://a.example/uuid',
    '//evil.example/x', '/relative/path', 'pricing', '', ' ', 'x'.repeat(5000),
  ])('refuses %j', (url) => {
    expect(safeHref(url)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    for (const value of [null, undefined, 42, {}, ['https://a.example']]) expect(safeHref(value)).toBeUndefined();
  });
});
