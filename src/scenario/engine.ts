// The scenario engine both hosts run (the simulator in src/sim/runner.ts, the browser in
// src/runtime/scenarioRunner.ts): the order steps fire in, what a node reference names when its
// step fires, and what each action asks of the host, through ScenarioActions, a small interface
// each host implements over its own cluster. Invariant: a step means the same in both hosts; a
// reference that names nobody, or an action the host refuses, is a step error, never a crash.
import type { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { LinkPolicy } from '../net/policy.ts';
import { resolveNodeRefSyntax } from './format.ts';
import type { Action, ExpectStep, NodeRef, Scenario, Step } from './format.ts';
import { linkPolicy } from './setup.ts';

export interface ExpectOutcome {
  step: number;
  at: number;
  that: ExpectStep['that'];
  group: GroupId;
  passed: boolean;
  detail: string;
}

export interface StepError {
  step: number;
  at: number;
  action: Action;
  message: string;
}

/**
 * Client requests by outcome, counted as the trace's history records them (clientHistory.ts
 * outcomeType): `ok`, `failed` (certainly took no effect: `fail`) and `unknown` (`info`: timed
 * out, lost with a crashed node, still waiting at the end, or answered with an outcome the node
 * could not know, such as its own 10 s write timeout).
 */
export interface ClientSummary {
  issued: number;
  ok: number;
  failed: number;
  unknown: number;
}

/** The steps with their index in the file, in the order they fire: by time, then file order. */
export function stepOrder(scenario: Scenario): { step: Step; index: number }[] {
  return scenario.steps
    .map((step, index) => ({ step, index }))
    .sort((a, b) => a.step.at - b.step.at || a.index - b.index);
}

/** What a reference can name: the host's nodes, and per group its leader and followers now. */
export interface RefView {
  readonly nodeIds: readonly NodeId[];
  /** The running leader of the group with the highest term, or null. */
  leaderOf(g: GroupId): NodeId | null;
  /** Running followers that are members of the group, in the host's node order. */
  followersOf(g: GroupId): NodeId[];
}

/** Thrown when a node reference names nobody at the moment its step fires. */
export class UnresolvedRef extends Error {}

/** The node a reference names now; `@follower:` picks with the run's seeded generator. */
export function resolveRef(view: RefView, rng: SeededRng, ref: NodeRef): NodeId {
  const syntax = resolveNodeRefSyntax(ref);
  if (syntax === null) throw new UnresolvedRef(`bad node reference "${ref}"`);
  if (syntax.kind === 'id') {
    if (!view.nodeIds.includes(syntax.id)) throw new UnresolvedRef(`unknown node "${ref}"`);
    return syntax.id;
  }
  if (syntax.kind === 'leader') {
    const leader = view.leaderOf(syntax.group);
    if (leader === null) throw new UnresolvedRef(`${ref}: no running node leads ${syntax.group}`);
    return leader;
  }
  const followers = view.followersOf(syntax.group);
  if (followers.length === 0)
    throw new UnresolvedRef(`${ref}: no running follower in ${syntax.group}`);
  return rng.pick(followers);
}

/**
 * What the steps ask of a host, with every node reference resolved. R is what an action
 * returns: void in the simulator (it acts at once), a promise in the browser (workers answer
 * later). A refused action throws the host's own error, which the host turns into a step error.
 */
export interface ScenarioActions<R> {
  write(node: NodeId, group: GroupId, op: unknown): R;
  read(node: NodeId, group: GroupId, query: unknown): R;
  crash(node: NodeId): R;
  restart(node: NodeId): R;
  pause(node: NodeId): R;
  resume(node: NodeId): R;
  partition(sides: NodeId[][]): R;
  heal(): R;
  cut(from: NodeId, to: NodeId): R;
  link(from: NodeId, to: NodeId): R;
  network(change: Partial<LinkPolicy>, from?: NodeId, to?: NodeId): R;
  skew(node: NodeId, rate: number): R;
  addNode(node: NodeId): R;
  removeNode(node: NodeId): R;
  transferLeader(group: GroupId, to: NodeId): R;
  snapshot(node: NodeId, group: GroupId): R;
  failApply(node: NodeId, group: GroupId): R;
  corruptSnapshot(node: NodeId, group: GroupId): R;
  narrate(text: string): R;
}

/**
 * Run one action step (not an expectation) on the host: resolve its references against `view`
 * now, then call the host. Throws UnresolvedRef when a reference names nobody.
 */
export function executeStep<R>(
  host: ScenarioActions<R>,
  view: RefView,
  rng: SeededRng,
  step: Exclude<Step, ExpectStep>,
): R {
  const ref = (r: NodeRef): NodeId => resolveRef(view, rng, r);
  switch (step.do) {
    case 'write':
      return host.write(ref(step.node), step.group, step.op);
    case 'read':
      return host.read(ref(step.node), step.group, step.query);
    case 'crash':
      return host.crash(ref(step.node));
    case 'restart':
      return host.restart(ref(step.node));
    case 'pause':
      return host.pause(ref(step.node));
    case 'resume':
      return host.resume(ref(step.node));
    case 'partition':
      return host.partition(step.sides.map((side) => side.map(ref)));
    case 'heal':
      return host.heal();
    case 'cut':
      return host.cut(ref(step.from), ref(step.to));
    case 'link':
      return host.link(ref(step.from), ref(step.to));
    case 'network': {
      const from = step.from === undefined ? undefined : ref(step.from);
      const to = step.to === undefined ? undefined : ref(step.to);
      return host.network(linkPolicy(step), from, to);
    }
    case 'skew':
      return host.skew(ref(step.node), step.rate);
    case 'add-node':
      return host.addNode(step.node);
    case 'remove-node':
      return host.removeNode(ref(step.node));
    case 'transfer-leader':
      return host.transferLeader(step.group, ref(step.to));
    case 'snapshot':
      return host.snapshot(ref(step.node), step.group);
    case 'fail-apply':
      return host.failApply(ref(step.node), step.group);
    case 'corrupt-snapshot':
      return host.corruptSnapshot(ref(step.node), step.group);
    case 'narrate':
      return host.narrate(step.text);
  }
}
