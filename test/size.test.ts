// The script's size budget (SPEC/issue 3): dist/piste.js at most 2048 bytes after gzip -9.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const BUDGET = 2048;

describe('dist/piste.js', () => {
  it(`weighs at most ${BUDGET} bytes gzip -9 (run npm run build first)`, () => {
    const gzipped = gzipSync(readFileSync(new URL('../dist/piste.js', import.meta.url)), { level: 9 }).length;
    expect(gzipped).toBeLessThanOrEqual(BUDGET);
  });
});
