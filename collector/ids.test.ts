import { describe, expect, it } from 'vitest';
import { newId } from './ids';

describe('newId', () => {
  it('gives 22 base64url characters, never the same twice across refills of its pool', () => {
    const ids = Array.from({ length: 2_000 }, newId); // the pool holds 256
    expect(ids.every((id) => /^[A-Za-z0-9_-]{22}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('spreads its bits evenly (no byte of the pool is reused or left zero)', () => {
    const bytes = Array.from({ length: 4_096 }, () => Buffer.from(newId(), 'base64url')).flatMap((b) => [...b]);
    const ones = bytes.reduce((n, byte) => n + byte.toString(2).split('1').length - 1, 0);
    expect(ones / (bytes.length * 8)).toBeGreaterThan(0.49);
    expect(ones / (bytes.length * 8)).toBeLessThan(0.51);
    expect(bytes.filter((b) => b === 0).length / bytes.length).toBeLessThan(0.01); // 1/256 expected
  });
});
