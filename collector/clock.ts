// Injected time, so tests never sleep and scoring is reproducible.

export type Clock = { now(): number };

/** The real clock: milliseconds since epoch. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export function fixedClock(start: number): Clock & { set(ms: number): void; advance(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    set: (ms) => void (current = ms),
    advance: (ms) => void (current += ms),
  };
}
