import { describe, expect, it } from 'vitest';
import { fit, objective, predict } from './logistic';
import { normal, seededRandom } from './random';

const logit = (p: number) => Math.log(p / (1 - p));

describe('fit', () => {
  it('with no informative feature, predicts the base rate (closed form: bias = logit(mean y))', () => {
    const y = [1, 0, 0, 1, 0, 0, 0, 1, 0, 0];
    const model = fit(y.map(() => [7]), y, { l2: 0.1 });
    expect(model.weights).toEqual([0]);
    expect(model.bias).toBeCloseTo(logit(0.3), 8);
    expect(predict(model, [7])).toBeCloseTo(0.3, 8);
  });

  it('on symmetric data (each (x, y) mirrored by (−x, 1−y)) has bias ≈ 0 and a positive weight', () => {
    const X = [[-3], [-1], [-0.5], [0.5], [1], [3]];
    const y = [0, 0, 1, 0, 1, 1];
    const model = fit(X, y, { l2: 0.01 });
    expect(Math.abs(model.bias)).toBeLessThan(1e-9);
    expect(model.weights[0]).toBeGreaterThan(0);
    expect(predict(model, [0])).toBeCloseTo(0.5, 9);
  });

  it('on separable data stays finite and ranks every example on its side', () => {
    const X = [[1, 0], [2, 1], [3, 0], [6, 1], [7, 0], [8, 1]];
    const y = [0, 0, 0, 1, 1, 1];
    const model = fit(X, y, { l2: 0.01 });
    for (const w of model.weights) expect(Number.isFinite(w)).toBe(true);
    X.forEach((x, i) => expect(predict(model, x) > 0.5).toBe(y[i] === 1));
  });

  it('recovers the coefficients of a known logistic model from a large sample', () => {
    const random = seededRandom(42);
    const truth = { bias: -1, w: [2, -1, 0] };
    const X: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = [normal(random), normal(random), normal(random)];
      const p = 1 / (1 + Math.exp(-(truth.bias + x.reduce((s, v, j) => s + v * truth.w[j], 0))));
      X.push(x);
      y.push(random() < p ? 1 : 0);
    }
    const model = fit(X, y, { l2: 1e-6 });
    // back to the raw scale: coefficient = weight / std, intercept = bias − Σ weight·mean/std
    const raw = model.weights.map((w, j) => w / model.std[j]);
    raw.forEach((c, j) => expect(c).toBeCloseTo(truth.w[j], 1));
    const intercept = model.bias - model.weights.reduce((s, w, j) => s + (w * model.mean[j]) / model.std[j], 0);
    expect(intercept).toBeCloseTo(truth.bias, 1);
  });

  it('ends at a stationary point of the regularized objective', () => {
    const random = seededRandom(7);
    const X = Array.from({ length: 300 }, () => [normal(random), normal(random) * 5 + 2]);
    const y = X.map(([a, b]) => (random() < 1 / (1 + Math.exp(-(a + 0.2 * b))) ? 1 : 0));
    const model = fit(X, y, { l2: 0.05 });
    const Z = X.map((x) => x.map((v, j) => (v - model.mean[j]) / model.std[j]));
    const { gradient } = objective(Z, y, [...model.weights, model.bias], 0.05, false);
    for (const g of gradient) expect(Math.abs(g)).toBeLessThan(1e-7);
  });

  it('is deterministic and survives a JSON round trip', () => {
    const X = [[1, 5], [2, 3], [3, 9], [4, 1], [5, 2]];
    const y = [0, 1, 0, 1, 1];
    const a = fit(X, y, { l2: 0.1, seed: 1, features: ['a', 'b'], trainedAt: 123 });
    const b = fit(X, y, { l2: 0.1, seed: 2, features: ['a', 'b'], trainedAt: 123 });
    expect(b).toEqual(a);
    const copy = JSON.parse(JSON.stringify(a));
    expect(copy).toMatchObject({ version: 1, features: ['a', 'b'], l2: 0.1, trainedAt: 123 });
    expect(predict(copy, [2.5, 4])).toBe(predict(a, [2.5, 4]));
  });

  it('refuses mismatched inputs', () => {
    expect(() => fit([], [])).toThrow(RangeError);
    expect(() => fit([[1]], [1, 0])).toThrow(RangeError);
  });
});

describe('objective', () => {
  it('has an analytic gradient that matches finite differences', () => {
    const random = seededRandom(3);
    const Z = Array.from({ length: 40 }, () => [normal(random), normal(random), normal(random)]);
    const y = Z.map(() => (random() < 0.4 ? 1 : 0));
    const params = [0.3, -0.7, 1.1, 0.2];
    const { gradient } = objective(Z, y, params, 0.5, false);
    const h = 1e-6;
    params.forEach((_, i) => {
      const up = params.map((p, j) => (j === i ? p + h : p));
      const down = params.map((p, j) => (j === i ? p - h : p));
      const numeric = (objective(Z, y, up, 0.5, false).value - objective(Z, y, down, 0.5, false).value) / (2 * h);
      expect(gradient[i]).toBeCloseTo(numeric, 6);
    });
  });
});
