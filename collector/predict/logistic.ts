// L2-regularized logistic regression: fit on a feature matrix, predict a probability, serialize as JSON.
//
// Hand-written rather than a library: nothing suitable is installed, the maintained JS ML packages are large
// and pull native or GPU backends for what is ~100 lines of arithmetic, and owning the code lets the model be
// a plain, versioned JSON object that every collector can read. It is tested against known solutions
// (intercept-only closed form, symmetric data, a finite-difference gradient check, optimality at the fit).
//
// Solver: Newton's method (equivalently IRLS) with a backtracking line search. With tens of standardized
// features the Hessian is tiny, so each step is cheap, convergence takes ~10 iterations instead of thousands,
// there is no learning rate to tune, and the L2 term makes the problem strictly convex, so the answer is
// unique and deterministic. Nothing is random, so `seed` is accepted for a uniform API but not needed.

export type Model = {
  version: 1;
  features: string[];
  mean: number[];
  std: number[];
  weights: number[];
  bias: number;
  l2: number;
  trainedAt?: number;
};

export type FitOptions = {
  /** penalty on the squared weights (of standardized features), per example; the bias is not penalized */
  l2?: number;
  maxIter?: number;
  /** stop once the largest gradient component is below this */
  tolerance?: number;
  seed?: number;
  features?: string[];
  trainedAt?: number;
};

/** Fits p(y=1|x) = σ(bias + Σ weights·(x − mean)/std). Rows of X are examples; y holds 0/1 labels. */
export function fit(X: readonly (readonly number[])[], y: readonly number[], options: FitOptions = {}): Model {
  const { l2 = 0.01, maxIter = 50, tolerance = 1e-10 } = options;
  if (X.length === 0 || X.length !== y.length) throw new RangeError('fit needs as many labels as rows, and at least one');
  const d = X[0].length;
  const { mean, std } = standardization(X);
  const Z = X.map((row) => standardize(row, mean, std));
  let params = new Array<number>(d + 1).fill(0); // weights, then bias last
  for (let iter = 0; iter < maxIter; iter++) {
    const { value, gradient, hessian } = objective(Z, y, params, l2, true);
    if (Math.max(...gradient.map(Math.abs)) < tolerance) break;
    const step = solveSymmetric(hessian!, gradient);
    // Backtracking keeps each Newton step a descent step even far from the optimum (near-separable data).
    let t = 1;
    let next = params.map((p, i) => p - t * step[i]);
    while (objective(Z, y, next, l2, false).value > value && t > 1e-6) {
      t /= 2;
      next = params.map((p, i) => p - t * step[i]);
    }
    params = next;
  }
  return {
    version: 1,
    features: options.features ?? Array.from({ length: d }, (_, i) => `x${i}`),
    mean,
    std,
    weights: params.slice(0, d),
    bias: params[d],
    l2,
    ...(options.trainedAt === undefined ? {} : { trainedAt: options.trainedAt }),
  };
}

/** Probability (0–1) that the label is 1 for raw (unstandardized) features x. */
export function predict(model: Model, x: readonly number[]): number {
  const z = standardize(x, model.mean, model.std);
  let logit = model.bias;
  for (let i = 0; i < z.length; i++) logit += model.weights[i] * z[i];
  return sigmoid(logit);
}

/** Each feature's standardized value, which times its weight is its push on the log-odds. */
export function standardize(x: readonly number[], mean: readonly number[], std: readonly number[]): number[] {
  return x.map((v, i) => (v - mean[i]) / std[i]);
}

/**
 * Mean log-loss + (l2/2)·|weights|² on standardized rows, its gradient and (optionally) Hessian.
 * params = [...weights, bias]. Exported for the gradient check in the tests.
 */
export function objective(Z: readonly (readonly number[])[], y: readonly number[], params: readonly number[], l2: number, withHessian: boolean) {
  const d = params.length - 1;
  const n = Z.length;
  const gradient = new Array<number>(d + 1).fill(0);
  const hessian = withHessian ? Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0)) : null;
  let value = 0;
  for (let r = 0; r < n; r++) {
    const row = Z[r];
    let logit = params[d];
    for (let i = 0; i < d; i++) logit += params[i] * row[i];
    // log(1 + e^logit) − y·logit, written to stay finite for large |logit|
    value += Math.max(logit, 0) + Math.log1p(Math.exp(-Math.abs(logit))) - y[r] * logit;
    const p = sigmoid(logit);
    const residual = p - y[r];
    for (let i = 0; i < d; i++) gradient[i] += residual * row[i];
    gradient[d] += residual;
    if (hessian) {
      const w = p * (1 - p);
      for (let i = 0; i <= d; i++) {
        const ri = i === d ? 1 : row[i];
        for (let j = 0; j <= i; j++) hessian[i][j] += w * ri * (j === d ? 1 : row[j]);
      }
    }
  }
  let penalty = 0;
  for (let i = 0; i < d; i++) penalty += params[i] ** 2;
  value = value / n + (l2 / 2) * penalty;
  for (let i = 0; i <= d; i++) gradient[i] = gradient[i] / n + (i < d ? l2 * params[i] : 0);
  if (hessian) {
    for (let i = 0; i <= d; i++) {
      for (let j = 0; j <= i; j++) hessian[j][i] = hessian[i][j] = hessian[i][j] / n;
      // the unpenalized bias gets a tiny ridge so one-class or separable data cannot make H singular
      hessian[i][i] += i < d ? l2 : 1e-9;
    }
  }
  return { value, gradient, hessian };
}

function standardization(X: readonly (readonly number[])[]): { mean: number[]; std: number[] } {
  const n = X.length;
  const d = X[0].length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const row of X) for (let i = 0; i < d; i++) mean[i] += row[i];
  for (let i = 0; i < d; i++) mean[i] /= n;
  for (const row of X) for (let i = 0; i < d; i++) std[i] += (row[i] - mean[i]) ** 2;
  for (let i = 0; i < d; i++) std[i] /= n;
  // a constant feature keeps std 1: its standardized value is 0 everywhere, so its weight stays 0
  return { mean, std: std.map((v) => (v > 1e-12 ? Math.sqrt(v) : 1)) };
}

/** Solves A·x = b for symmetric positive-definite A by Cholesky decomposition. */
function solveSymmetric(A: number[][], b: number[]): number[] {
  const n = b.length;
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = A[i][j];
      for (let k = 0; k < j; k++) sum -= L[i][k] * L[j][k];
      L[i][j] = i === j ? Math.sqrt(Math.max(sum, 1e-300)) : sum / L[j][j];
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= L[i][k] * z[k];
    z[i] = sum / L[i][i];
  }
  const x = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i];
    for (let k = i + 1; k < n; k++) sum -= L[k][i] * x[k];
    x[i] = sum / L[i][i];
  }
  return x;
}

function sigmoid(t: number): number {
  return t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
}
