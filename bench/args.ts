// Command-line values shared by the bench scripts.
import { InvalidArgumentError } from 'commander';

/** commander's parser for a count option: a positive integer, or a usage error. */
export const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
