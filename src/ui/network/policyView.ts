// The network settings in force, as the model recorded them: the run's starting policy (trace
// header) with every later `network` fault folded over it, for all links and per direction.
// The sliders show these and send changes as `network` commands.
// Invariant: pure; a direction's policy is the every-link policy with its own changes on top,
// as src/net/policy.ts computes it.
import type { TraceLinkPolicy } from '../../trace/events.ts';

export type SliderPolicy = Pick<
  TraceLinkPolicy,
  'delayMsMin' | 'delayMsMax' | 'dropRatio' | 'duplicateRatio'
>;

export const FALLBACK_POLICY: SliderPolicy = {
  delayMsMin: 1,
  delayMsMax: 10,
  dropRatio: 0,
  duplicateRatio: 0,
};

/** The policy on every link, or on the direction `from>to` when `link` names one. */
export function policyIn(
  initial: SliderPolicy | null,
  changes: Readonly<Record<string, unknown>>,
  link?: string,
): SliderPolicy {
  const base = { ...FALLBACK_POLICY, ...(initial ?? {}) };
  const all = { ...base, ...((changes['*'] ?? {}) as Partial<SliderPolicy>) };
  if (link === undefined) return pick(all);
  return pick({ ...all, ...((changes[link] ?? {}) as Partial<SliderPolicy>) });
}

function pick(p: SliderPolicy): SliderPolicy {
  return {
    delayMsMin: p.delayMsMin,
    delayMsMax: p.delayMsMax,
    dropRatio: p.dropRatio,
    duplicateRatio: p.duplicateRatio,
  };
}

/**
 * The change a delay slider at `ms` asks for: delays drawn from [ms/2, ms] (a spread keeps
 * messages from moving in lockstep; FIFO links keep them in order anyway).
 */
export function delayChange(ms: number): Pick<SliderPolicy, 'delayMsMin' | 'delayMsMax'> {
  const max = Math.max(0, Math.round(ms));
  return { delayMsMin: Math.round(max / 2), delayMsMax: max };
}

/**
 * The delay slider's words: the range in force (set by the slider, the console or a scenario,
 * whatever its lower end), or, while the thumb moves (`draftMs`), the range it will ask for.
 */
export function delayText(policy: SliderPolicy, draftMs: number | null): string {
  const { delayMsMin, delayMsMax } = draftMs === null ? policy : delayChange(draftMs);
  return `${delayMsMin}–${delayMsMax} ms`;
}
