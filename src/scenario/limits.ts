// The bounds on every number a user gives the simulator (a scenario file, the CLI's flags) or the
// browser's cluster, in one place with the reason for each. A value outside them either makes a
// run endless (virtual time that cannot advance, a loop that never reaches its end) or
// meaningless (a seed the generator silently folds onto a smaller one, a delay longer than any
// run), so it is refused up front with a message that says which bound and why, never run.
// Pure data: the scenario validator (scenario.ts), the CLI (cli.ts) and the browser's console
// read these, so one change moves every host.

/** A closed (or, with minExclusive, half-open) range and why it is what it is. */
export interface Bound {
  readonly min: number;
  /** The range excludes min itself (value > min). */
  readonly minExclusive?: boolean;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** Why the maximum is what it is, shown to whoever exceeds it. */
  readonly why: string;
  /** Why the minimum is what it is, when it is more than "a count starts at 1" or "not negative". */
  readonly whyMin?: string;
}

/** The largest cluster, in nodes: the nodes a scenario starts with plus every one it adds. */
export const MAX_NODES = 9;

export const LIMITS = {
  nodes: {
    min: 1,
    max: MAX_NODES,
    integer: true,
    why: `the page lays out at most ${MAX_NODES} nodes, and a group of nine already survives four failures`,
  },
  tickMs: {
    min: 1,
    max: 1000,
    why: 'a tick over 1 s is coarser than any Raft timer it drives; Nacos ticks every 100 ms',
    whyMin:
      'the simulated clock counts whole milliseconds, so ticks under 1 ms pile up on one ' +
      'instant and virtual time stops advancing',
  },
  electionTimeoutMs: {
    min: 0,
    minExclusive: true,
    max: 60_000,
    why: 'Nacos uses 5 s; with a timeout over a minute no failover happens in any run worth watching',
  },
  maxElectionDelayMs: {
    min: 0,
    max: 60_000,
    why: 'the random extra delay before an election is a fraction of the timeout, 1 s in Nacos',
  },
  skewRate: {
    min: 0.01,
    max: 100,
    why:
      'a clock 100 times fast fires a hundred ticks per simulated millisecond; beyond that the ' +
      'node does nothing but tick and virtual time all but stops (a rate of 1e300 livelocks ' +
      'the run)',
    whyMin: 'a clock below 1/100 of real speed is a frozen node, which pause says directly',
  },
  delayMs: {
    min: 0,
    max: 60_000,
    why:
      'a message delayed over a minute outlives every timeout in Raft and Nacos, whose writes ' +
      'give up after 10 s; to lose messages, use drop',
  },
  durationMs: {
    min: 0,
    minExclusive: true,
    max: 3_600_000,
    why:
      'an hour of cluster time is far beyond any lesson or reproduction and already takes ' +
      'minutes of CPU; a longer run looks hung',
  },
  seed: {
    min: 0,
    max: 0xffffffff,
    integer: true,
    why: 'the seeded generator keeps 32 bits of its seed, so a larger seed would silently run as a smaller one',
  },
  seedsPerRun: {
    min: 1,
    max: 100_000,
    integer: true,
    why: 'a random seed takes about a second, so 100,000 seeds are a day of CPU; split a longer sweep into ranges',
  },
} as const satisfies Record<string, Bound>;

/**
 * The most ticks one node may take in a scenario run: durationMs / tickMs, times the fastest
 * clock a skew step sets. Each bound above is reasonable alone, yet a 1 ms tick over an hour
 * at 100× speed would be 360 million ticks per node; this caps the product (about a minute of
 * CPU per node on a busy machine).
 */
export const MAX_TICKS_PER_NODE = 10_000_000;

/** Integers beyond this lose precision in a JavaScript number (2^53 − 1). */
export const MAX_SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/** The range as words: `1..9`, `> 0 and <= 3600000`, `0.01..100`. */
export function describeBound(b: Bound): string {
  if (b.minExclusive) return `> ${b.min} and <= ${b.max}`;
  return `${b.min}..${b.max}`;
}

/**
 * Why `value` breaks `b`, or null when it is within it. A non-finite number is named as such
 * (JSON's 1e400 parses to Infinity), never printed as the `null` JSON.stringify makes of it.
 */
export function checkBound(value: number, b: Bound): string | null {
  if (!Number.isFinite(value)) return `${String(value)} is not a finite number`;
  if (b.integer && !Number.isInteger(value)) return `${value} is not an integer`;
  const low = b.minExclusive ? value <= b.min : value < b.min;
  if (low) return `${value} is below ${describeBound(b)}${b.whyMin ? `: ${b.whyMin}` : ''}`;
  if (value > b.max) return `${value} is above ${describeBound(b)}: ${b.why}`;
  return null;
}
