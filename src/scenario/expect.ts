// A scenario's expectations, checked the same way in every host (the simulator and the browser).
// Invariant: an expectation reads only an ExpectView, a synchronous picture of the cluster that
// the host builds (the simulator from its nodes and disks, the browser from its workers'
// statuses, logs and state machines), so the two hosts cannot drift apart in what "committed",
// "identical" or "the leader" means. Expectations over "every node" mean the running members
// of the group; a crashed node counts for `committed` by what its disk holds when the host can
// read it; an entry compacted into a snapshot counts as committed with its contents gone.
import type { GroupId, NodeId, Role } from '../raft/types.ts';
import type { ExpectStep } from './format.ts';
import { canonicalJson } from './setup.ts';

/** One group on one running node. */
export interface GroupView {
  role: Role;
  term: number;
  commit: number;
  applied: number;
  /** The voters of the configuration this node holds. */
  voters: NodeId[];
}

/** One entry: its term and the operation it carries (a write's op, a read's query, ...). */
export interface EntryView {
  term: number;
  op: unknown;
}

/** A log: entries firstIndex..lastIndex (earlier ones are compacted into a snapshot). */
export interface LogView {
  firstIndex: number;
  lastIndex: number;
  entry(index: number): EntryView | undefined;
}

/** What the expectations read; `g` is the step's group. */
export interface ExpectView {
  /** Every node the host runs or ran. */
  readonly nodeIds: readonly NodeId[];
  /** The members as the harness sees them (added and not removed). */
  readonly memberIds: readonly NodeId[];
  /** The group's state on a running node, or null when the node is down. */
  status(id: NodeId, g: GroupId): GroupView | null;
  /** Whether the node is in the group's configuration (as its leader, or a member, holds it). */
  isMember(id: NodeId, g: GroupId): boolean;
  /** A running node's log of the group. */
  log(id: NodeId, g: GroupId): LogView;
  /** A running node's state machine contents of the group (any JSON value). */
  appliedState(id: NodeId, g: GroupId): unknown;
  /** What a down node's disk holds (commit and log), or null when the host cannot read it. */
  durable(id: NodeId, g: GroupId): { commit: number; log: LogView } | null;
}

/** An expectation that does not hold; the message says what was found. */
export class ExpectFailed extends Error {}

function fail(message: string): never {
  throw new ExpectFailed(message);
}

/**
 * Check one expectation now; `node` is the step's node reference, already resolved. Returns what
 * held, or throws ExpectFailed saying what did not.
 */
export function evaluateExpect(view: ExpectView, step: ExpectStep, node?: NodeId): string {
  const g = step.group;
  switch (step.that) {
    case 'single-leader':
      return expectSingleLeader(view, g, step.term);
    case 'leader':
      return expectRole(view, g, node!, 'leader', step.term);
    case 'no-leader': {
      const leaders = runningLeaders(view, g);
      if (leaders.length > 0) fail(`expected no leader of ${g}, found ${describeLeaders(leaders)}`);
      return `no running node leads ${g}`;
    }
    case 'committed':
      return expectCommitted(view, step, node);
    case 'applied-equal':
      return expectAppliedEqual(view, g, step.index);
    case 'log-equal':
      return expectLogEqual(view, g, step.index);
    case 'term':
      return expectTerm(view, g, step.term!, node);
    case 'role':
      return expectRole(view, g, node!, step.role!, step.term);
  }
}

function runningNodes(view: ExpectView, g: GroupId): NodeId[] {
  return view.nodeIds.filter((id) => view.status(id, g) !== null);
}

/** Running members of the group. */
export function runningMembers(view: ExpectView, g: GroupId): NodeId[] {
  return runningNodes(view, g).filter((id) => view.isMember(id, g));
}

/** Running nodes that lead the group, with their terms. */
export function runningLeaders(view: ExpectView, g: GroupId): { id: NodeId; term: number }[] {
  const out: { id: NodeId; term: number }[] = [];
  for (const id of runningNodes(view, g)) {
    const st = view.status(id, g)!;
    if (st.role === 'leader') out.push({ id, term: st.term });
  }
  return out;
}

function describeLeaders(leaders: { id: NodeId; term: number }[]): string {
  return leaders.map((l) => `${l.id} (term ${l.term})`).join(', ');
}

function expectSingleLeader(view: ExpectView, g: GroupId, term: number | undefined): string {
  const leaders = runningLeaders(view, g);
  if (leaders.length !== 1) {
    const found = leaders.length === 0 ? 'none' : `${leaders.length}: ${describeLeaders(leaders)}`;
    fail(`expected exactly one leader of ${g}, found ${found}`);
  }
  const [l] = leaders;
  if (term !== undefined && l.term !== term) {
    fail(`expected the leader of ${g} in term ${term}, but ${l.id} leads in term ${l.term}`);
  }
  return `${l.id} is the only leader of ${g} (term ${l.term})`;
}

function expectRole(
  view: ExpectView,
  g: GroupId,
  id: NodeId,
  role: Role,
  term: number | undefined,
): string {
  const st = view.status(id, g);
  if (st === null) fail(`expected ${id} to be ${role} of ${g}, but it is down`);
  if (st.role !== role)
    fail(`expected ${id} to be ${role} of ${g}, but it is ${st.role} (term ${st.term})`);
  if (term !== undefined && st.term !== term) {
    fail(`expected ${id} to be ${role} of ${g} in term ${term}, but its term is ${st.term}`);
  }
  return `${id} is ${role} of ${g} in term ${st.term}`;
}

function expectTerm(view: ExpectView, g: GroupId, term: number, id: NodeId | undefined): string {
  const ids = id === undefined ? runningMembers(view, g) : [id];
  for (const n of ids) {
    const st = view.status(n, g);
    if (st === null) fail(`expected ${n} in term ${term} of ${g}, but it is down`);
    if (st.term !== term) fail(`expected term ${term} of ${g} on ${n}, found ${st.term}`);
  }
  return `term of ${g} is ${term} on ${ids.join(', ')}`;
}

/** Why node `id` does not count entry `index` of the step's group committed as asked, or null. */
function notCommittedOn(view: ExpectView, id: NodeId, step: ExpectStep): string | null {
  const g = step.group;
  const index = step.index!;
  const st = view.status(id, g);
  let commit: number;
  let log: LogView;
  if (st !== null) {
    commit = st.commit;
    log = view.log(id, g);
  } else {
    const disk = view.durable(id, g);
    if (disk === null) return `${id} is down`;
    ({ commit, log } = disk);
  }
  if (commit < index) return `${id} has commit ${commit}`;
  // Compacted into a snapshot: committed, its contents no longer in the log.
  if (index < log.firstIndex) return null;
  const e = log.entry(index);
  if (e === undefined) return `${id} does not hold it`;
  if (step.term !== undefined && e.term !== step.term) return `${id} holds it with term ${e.term}`;
  if (step.value !== undefined && canonicalJson(e.op) !== canonicalJson(step.value)) {
    return `${id} holds ${canonicalJson(e.op)}`;
  }
  return null;
}

function expectCommitted(view: ExpectView, step: ExpectStep, id: NodeId | undefined): string {
  const g = step.group;
  const index = step.index!;
  const ids = id === undefined ? voters(view, g) : [id];
  const agree: NodeId[] = [];
  const why: string[] = [];
  for (const n of ids) {
    const problem = notCommittedOn(view, n, step);
    if (problem === null) agree.push(n);
    else why.push(problem);
  }
  const need = id === undefined ? Math.floor(ids.length / 2) + 1 : 1;
  if (agree.length < need) {
    const where = id === undefined ? `a majority (${need}) of ${ids.join(', ')}` : id;
    fail(`expected entry ${index} of ${g} committed on ${where}: ${why.join('; ')}`);
  }
  return `entry ${index} of ${g} is committed on ${agree.join(', ')}`;
}

/** The group's voters as its leader (or else any running member) sees them. */
function voters(view: ExpectView, g: GroupId): NodeId[] {
  const leaders = runningLeaders(view, g).sort((a, b) => b.term - a.term);
  const seer = leaders[0]?.id ?? runningMembers(view, g)[0];
  if (seer === undefined) return [...view.memberIds];
  return view.status(seer, g)!.voters;
}

function expectAppliedEqual(view: ExpectView, g: GroupId, index: number | undefined): string {
  const ids = runningMembers(view, g);
  if (ids.length === 0) fail(`no running member of ${g} to compare`);
  let first: string | null = null;
  for (const id of ids) {
    const st = view.status(id, g)!;
    if (index !== undefined && st.applied < index) {
      fail(
        `expected every running node to have applied ${g} up to ${index}, but ${id} is at ${st.applied}`,
      );
    }
    const state = canonicalJson(view.appliedState(id, g));
    if (first === null) first = state;
    else if (state !== first) fail(`state machines of ${g} differ: ${ids[0]} and ${id}`);
  }
  return `state machines of ${g} are identical on ${ids.join(', ')}`;
}

function expectLogEqual(view: ExpectView, g: GroupId, index: number | undefined): string {
  const ids = runningMembers(view, g);
  if (ids.length === 0) fail(`no running member of ${g} to compare`);
  const logs = ids.map((id) => ({ id, log: view.log(id, g) }));
  const last = index ?? logs[0].log.lastIndex;
  for (const { id, log } of logs) {
    if (log.lastIndex < last || (index === undefined && log.lastIndex !== last)) {
      fail(`logs of ${g} differ in length: ${ids[0]} ends at ${last}, ${id} at ${log.lastIndex}`);
    }
  }
  const ref = logs[0];
  for (let i = Math.max(1, ...logs.map((l) => l.log.firstIndex)); i <= last; i++) {
    const want = ref.log.entry(i);
    for (const { id, log } of logs.slice(1)) {
      const e = log.entry(i);
      if (want === undefined || e === undefined) continue;
      if (e.term !== want.term || canonicalJson(e.op) !== canonicalJson(want.op)) {
        fail(
          `logs of ${g} differ at ${i}: ${ref.id} has term ${want.term}, ${id} has term ${e.term}`,
        );
      }
    }
  }
  return `logs of ${g} are identical up to ${last} on ${ids.join(', ')}`;
}
