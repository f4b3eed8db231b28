// Evaluation metrics for the predictive model: ranking quality (AUC), precision at the top, calibration (Brier).

/**
 * Area under the ROC curve, computed from ranks (Mann–Whitney U) with tied scores given their average rank,
 * so a constant score gives exactly 0.5. NaN when the labels hold only one class (AUC is undefined then).
 * @example auc([0.9, 0.2], [1, 0]) // 1
 */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  checkLengths(scores, labels);
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    const averageRank = (start + end) / 2 + 1; // ranks are 1-based
    for (let k = start; k <= end; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Share of positives among the top `fraction` of scores (at least one item). Items tied with the last one
 * taken count in proportion, so the answer does not depend on the input order of tied scores.
 * @example precisionAtTop([0.9, 0.8, 0.1, 0.0], [1, 0, 0, 0], 0.5) // 0.5
 */
export function precisionAtTop(scores: readonly number[], labels: readonly number[], fraction: number): number {
  checkLengths(scores, labels);
  if (scores.length === 0) return NaN;
  const k = Math.max(1, Math.ceil(scores.length * fraction));
  const threshold = [...scores].sort((a, b) => b - a)[k - 1];
  let above = 0;
  let positivesAbove = 0;
  let tied = 0;
  let positivesTied = 0;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] > threshold) {
      above++;
      positivesAbove += labels[i];
    } else if (scores[i] === threshold) {
      tied++;
      positivesTied += labels[i];
    }
  }
  return (positivesAbove + ((k - above) * positivesTied) / tied) / k;
}

/** Mean squared difference between predicted probabilities and 0/1 outcomes (lower is better; 0.25 = always 0.5). */
export function brier(probs: readonly number[], labels: readonly number[]): number {
  checkLengths(probs, labels);
  if (probs.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < probs.length; i++) sum += (probs[i] - labels[i]) ** 2;
  return sum / probs.length;
}

function checkLengths(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new RangeError(`scores (${a.length}) and labels (${b.length}) differ in length`);
}
