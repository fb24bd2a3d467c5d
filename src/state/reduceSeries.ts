// The per-second series behind the charts: commits, leaders elected, elections started, client
// outcomes, messages and commit latency, counted into one bucket per second of cluster time.
// Invariants: pure; the bucket of the second in progress is kept apart from the completed ones,
// so counting an event copies one small object, never a list chunk; buckets are in increasing
// `second`, and a second in which nothing was counted has no bucket (a reader treats it as 0).
import type { SeriesBucket, ViewState } from './model.ts';
import { claim, edit, type Mutable } from './maps.ts';
import { plAppend } from './plist.ts';

export function emptyBucket(second: number): SeriesBucket {
  return {
    second,
    commits: 0,
    leaderChanges: 0,
    elections: 0,
    ok: 0,
    failed: 0,
    messages: 0,
    commitLatencyMsSum: 0,
    commitLatencyCount: 0,
    commitLatencyMsMax: 0,
  };
}

/** The state with the bucket of cluster second `floor(t / 1000)` updated by f. */
export function bumpSeries(
  s: ViewState,
  t: number,
  f: (b: Mutable<SeriesBucket>) => void,
): ViewState {
  const second = Math.floor(t / 1000);
  const cur = s.series.current;
  const out = edit(s);
  const series = edit(s.series);
  out.series = series;
  if (cur !== null && cur.second === second) {
    const b = edit(cur);
    f(b);
    series.current = b;
    return out;
  }
  if (cur !== null) series.buckets = plAppend(s.series.buckets, cur);
  const b = claim(emptyBucket(second)) as Mutable<SeriesBucket>;
  f(b);
  series.current = b;
  return out;
}

/** A node became candidate at `t`: an election started (after a successful pre-vote). */
export function countElection(s: ViewState, t: number): ViewState {
  return bumpSeries(s, t, (b) => {
    b.elections++;
  });
}

/** A request's entry committed at `t`, `latencyMs` after the leader proposed it. */
export function countCommitLatency(s: ViewState, t: number, latencyMs: number): ViewState {
  const ms = Math.max(0, latencyMs);
  return bumpSeries(s, t, (b) => {
    b.commitLatencyMsSum += ms;
    b.commitLatencyCount++;
    b.commitLatencyMsMax = Math.max(b.commitLatencyMsMax, ms);
  });
}
