import { describe, expect, it } from 'vitest';
import { auc, brier, precisionAtTop } from './metrics';

describe('auc', () => {
  it.each([
    { name: 'one pair out of four misordered', scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1], want: 0.75 },
    { name: 'fully separated', scores: [0.9, 0.8, 0.2, 0.1], labels: [1, 1, 0, 0], want: 1 },
    { name: 'reversed', scores: [0.1, 0.2, 0.8, 0.9], labels: [1, 1, 0, 0], want: 0 },
    { name: 'all tied', scores: [3, 3, 3, 3], labels: [1, 0, 1, 0], want: 0.5 },
    // pairs (pos,neg): (5,1)=1 (5,3)=1 (3,1)=1 (3,3)=0.5 → 3.5/4
    { name: 'one tie across classes', scores: [5, 3, 3, 1], labels: [1, 1, 0, 0], want: 0.875 },
  ])('$name', ({ scores, labels, want }) => {
    expect(auc(scores, labels)).toBeCloseTo(want, 12);
  });

  it('is NaN when only one class is present', () => {
    expect(auc([1, 2], [1, 1])).toBeNaN();
    expect(auc([], [])).toBeNaN();
  });

  it('refuses inputs of different lengths', () => {
    expect(() => auc([1], [1, 0])).toThrow(/differ/);
  });
});

describe('precisionAtTop', () => {
  it.each([
    { name: 'top half holds one positive of two', scores: [0.9, 0.8, 0.1, 0.0], labels: [1, 0, 0, 0], f: 0.5, want: 0.5 },
    { name: 'top 10% of 10 is the single best', scores: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], labels: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1], f: 0.1, want: 1 },
    { name: 'at least one item is taken', scores: [0.2, 0.7], labels: [1, 0], f: 0.01, want: 0 },
    // k = 2: one above the tie (positive), one of the three tied items (1 positive of 3) → (1 + 1/3) / 2
    { name: 'ties at the cut count in proportion', scores: [9, 5, 5, 5, 1], labels: [1, 1, 0, 0, 1], f: 0.4, want: 2 / 3 },
  ])('$name', ({ scores, labels, f, want }) => {
    expect(precisionAtTop(scores, labels, f)).toBeCloseTo(want, 12);
  });
});

describe('brier', () => {
  it.each([
    { name: 'perfect', p: [1, 0], y: [1, 0], want: 0 },
    { name: 'always one half', p: [0.5, 0.5, 0.5], y: [1, 0, 1], want: 0.25 },
    { name: 'hand computed', p: [0.8, 0.3], y: [1, 1], want: (0.04 + 0.49) / 2 },
  ])('$name', ({ p, y, want }) => {
    expect(brier(p, y)).toBeCloseTo(want, 12);
  });
});
