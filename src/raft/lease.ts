// The leader lease and the clock-drift bound it relies on (Raft thesis §6.4.1).
//
// A leader that holds a lease answers reads from its own state without a heartbeat round
// (`readOnly: 'lease'`). That is safe only if no other leader can have been elected, and have
// committed a newer value, while the lease still runs. This file says how long a lease may be
// and which clocks it tolerates; raft.ts applies it.
//
// Derivation. Let E be the election timeout in ticks and ρ the largest relative clock-rate
// deviation we tolerate: every node's clock runs at a rate r with |r − 1| ≤ ρ, so one tick of a
// node's clock lasts between 1/(1+ρ) and 1/(1−ρ) real tick periods.
//
//   1. The lease starts when the leader SENDS the heartbeat (or any AppendEntries) that a
//      majority later acknowledges, on the leader's clock — as SOFAJRaft does with
//      `Replicator.lastRpcSendTimestamp` and `NodeImpl.checkDeadNodes0`. Counting from the
//      receipt of the ack instead would add the whole follower→leader delay to the lease: with
//      a 4 s return path a lease of 4.5 s would run until 8.5 s after the follower last heard
//      from us, long after it may have voted for someone else (issue 8, item 1).
//   2. A follower that received that message refuses every vote and pre-vote until a full
//      election timeout has passed on ITS clock since the receipt (the "in lease" rule of
//      thesis §9.6 / etcd's checkQuorum). The receipt is no earlier than the send. With
//      ticks counted whole, the follower's first tick may come right after the receipt, so it
//      refuses for at least E − 1 of its own ticks, i.e. at least (E − 1)/(1+ρ) real periods.
//   3. Any new leader needs the vote of a majority, and every majority shares a member with
//      the majority that acknowledged the leader. So no new leader exists before
//      send + (E − 1)/(1+ρ) in real time.
//   4. The leader considers its lease valid while fewer than L ticks of its own clock have
//      passed since the tick on which it sent, which is at most L/(1−ρ) real periods after the
//      send.
//
// So the lease is safe when L/(1−ρ) ≤ (E − 1)/(1+ρ), that is L ≤ (E − 1)·(1−ρ)/(1+ρ). With
// ρ = 0.1 that is about 82 % of the election timeout (SOFAJRaft's default leaderLeaseTimeRatio
// is 90 % with no drift term). A node whose clock runs outside the bound — in the simulator, a
// `skew` with rate r where |r − 1| > ρ — voids this argument: a lease read may then be stale.
// That is the documented limit of lease reads, not a bug, and the simulator marks it.
//
// Two things outside the clock also void a lease, as in every lease-based Raft: a follower
// that restarts forgets that it heard from the leader, and a leadership transfer makes the
// target campaign at once. raft.ts stops serving lease reads during a transfer; restarts are
// covered by a restarted node's election timeout only if it restarts slower than the lease.

/**
 * The relative clock-rate deviation ρ the lease tolerates: a node whose clock runs at rate r
 * (r = 1 is real time) with |r − 1| ≤ ρ is inside the bound.
 */
export const LEASE_MAX_CLOCK_DRIFT = 0.1;

/** Is a clock running at `rate` times real speed inside the bound the lease tolerates? */
export function isClockRateWithinLeaseBound(rate: number): boolean {
  if (!Number.isFinite(rate) || rate <= 0) return false;
  // A tiny tolerance so that rates written as 1.1 or 0.9 count as on the bound, not past it.
  return Math.abs(rate - 1) <= LEASE_MAX_CLOCK_DRIFT + 1e-9;
}

/**
 * The lease length in ticks for an election timeout of `electionTicks` ticks:
 * floor((E − 1)·(1−ρ)/(1+ρ)), see the derivation above. A lease of 0 means lease reads always
 * fall back to a heartbeat round (the timeout is too short to leave any lease).
 */
export function leaseTicks(electionTicks: number): number {
  if (!Number.isInteger(electionTicks) || electionTicks < 1) {
    throw new Error(`leaseTicks: electionTicks must be a positive integer, got ${electionTicks}`);
  }
  const rho = LEASE_MAX_CLOCK_DRIFT;
  // Round down, with a small epsilon so that an exact product is not lost to floating point.
  return Math.max(0, Math.floor(((electionTicks - 1) * (1 - rho)) / (1 + rho) + 1e-9));
}
