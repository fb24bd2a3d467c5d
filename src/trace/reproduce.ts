// A run saved as a scenario file (DESIGN.md §3), so it can run again in the simulator: the
// trace's faults and client operations become steps at the cluster times they happened, with
// the header's cluster, timing, network and seed. For a simulated run the scenario replays the
// run exactly (same seed, same commands at the same virtual times); for a live run the seed
// does not decide the timing, so the replay is best effort, and the scenario says so.
// Invariants: pure; every step comes from an event of the trace (`request` with its payload as
// the `apply` events or the client history give it, `fault` for the rest); what cannot become a
// step (step mode, a message dropped by hand, host failures) is listed in `notes` and the
// description, never silently left out; the result is validated by parseScenario.
import type { GroupId, NodeId } from '../raft/types.ts';
import { parseScenario, type Scenario, type Step } from '../scenario/format.ts';
import { CONFIG_DEFAULT_GROUP, CONFIG_STORE_GROUP, INSTANCE_REGISTRY_GROUP } from './models.ts';
import type { TraceEvent, TraceHeader, TraceLinkPolicy } from './events.ts';

export interface ReproduceResult {
  ok: boolean;
  /** The scenario (when ok). */
  scenario: Scenario | null;
  /** True when the scenario replays the run exactly (a simulated run, nothing left out). */
  exact: boolean;
  /** What could not become a step, and why a replay may differ. */
  notes: string[];
  /** Validation errors (when not ok). */
  errors: string[];
}

type Rec = Record<string, unknown>;
type HistoryEvent = Extract<TraceEvent, { type: 'invoke' }>;

/** Faults that are no scenario action, with why they are left out. */
const NOT_STEPS: Readonly<Record<string, string>> = {
  hold: 'step mode (hold, release, discard) is interactive',
  release: 'step mode (hold, release, discard) is interactive',
  discard: 'step mode (hold, release, discard) is interactive',
  speed: 'the wall-clock speed is pacing, not part of the run',
  'pause-cluster': 'pausing the whole page is pacing, not part of the run',
  'resume-cluster': 'pausing the whole page is pacing, not part of the run',
  durability: "the browser's IndexedDB durability has no simulator counterpart",
  'worker-error': 'a host failure, not an action',
  'node-error': 'a host failure, not an action',
  removed: 'a removed node leaving is a consequence of remove-node',
  'disk-stall': "the browser's storage stalling is the host's, not an action",
  'disk-resume': "the browser's storage stalling is the host's, not an action",
  'step-error': 'a scenario step that failed is replayed by its own step',
};

/** The payload a client history call stands for (the inverse of clientHistory.describeRequest). */
function payloadOfCall(inv: HistoryEvent): { kind: 'write' | 'read'; payload: Rec } | null {
  const key = inv.key;
  if (inv.group === CONFIG_STORE_GROUP) {
    const [dataId, group, ...tenant] = key.split('/');
    const where: Rec = { dataId };
    if (group !== undefined && group !== CONFIG_DEFAULT_GROUP) where.group = group;
    if (tenant.join('/') !== '') where.tenant = tenant.join('/');
    switch (inv.op) {
      case 'get':
        return { kind: 'read', payload: { type: 'get', ...where } };
      case 'remove':
        return { kind: 'write', payload: { type: 'remove', ...where } };
      case 'cas': {
        const v = (inv.value ?? {}) as Rec;
        return {
          kind: 'write',
          payload: { type: 'publish', ...where, content: v.content, casMd5: v.casMd5 },
        };
      }
      case 'put':
        return { kind: 'write', payload: { type: 'publish', ...where, content: inv.value } };
      default:
        return null;
    }
  }
  if (inv.group === INSTANCE_REGISTRY_GROUP) {
    if (inv.op === 'list') return { kind: 'read', payload: { type: 'instances', service: key } };
    const [ip, port] = String(inv.value).split(':');
    const instance = { ip, port: Number(port) };
    if (inv.op === 'register') {
      return { kind: 'write', payload: { type: 'ADD', service: key, instance } };
    }
    if (inv.op === 'deregister') {
      return { kind: 'write', payload: { type: 'DELETE', service: key, instance } };
    }
  }
  return null;
}

/** A whole, non-negative millisecond (the simulator's clock counts whole ms). */
function ms(t: number): number {
  return Math.max(0, Math.round(t));
}

function networkStep(
  at: number,
  change: Partial<TraceLinkPolicy>,
  base: TraceLinkPolicy,
  from?: NodeId,
  to?: NodeId,
): Step | null {
  const step: Rec = { at, do: 'network' };
  if (change.delayMsMin !== undefined || change.delayMsMax !== undefined) {
    step.delayMs = [change.delayMsMin ?? base.delayMsMin, change.delayMsMax ?? base.delayMsMax];
  }
  if (change.dropRatio !== undefined) step.drop = change.dropRatio;
  if (change.duplicateRatio !== undefined) step.duplicate = change.duplicateRatio;
  if (from !== undefined) step.from = from;
  if (to !== undefined) step.to = to;
  if (Object.keys(step).length === 2) return null;
  return step as unknown as Step;
}

/** The scenario step of a fault event, or a note saying why it has none. */
function faultStep(
  e: Extract<TraceEvent, { type: 'fault' }>,
  link: TraceLinkPolicy,
): Step | string {
  const at = ms(e.t);
  const node = e.node;
  const needNode = (s: Rec): Step | string =>
    node === null ? `${e.fault} at ${at} ms names no node` : (s as unknown as Step);
  switch (e.fault) {
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'remove-node':
      return needNode({ at, do: e.fault, node });
    case 'add-node':
      return needNode({ at, do: 'add-node', node });
    case 'skew':
      return needNode({ at, do: 'skew', node, rate: e.rate });
    case 'partition':
      return { at, do: 'partition', sides: e.sides.map((s) => [...s]) } as Step;
    case 'heal':
      return { at, do: 'heal' } as Step;
    case 'cut':
    case 'link':
      return { at, do: e.fault, from: e.from, to: e.to } as Step;
    case 'network':
      return networkStep(at, e.change, link, e.from, e.to) ?? `network at ${at} ms changed nothing`;
    case 'transfer-leader':
      return { at, do: 'transfer-leader', group: e.group, to: e.to } as Step;
    case 'snapshot':
      return needNode({ at, do: 'snapshot', node, group: e.group });
    case 'fail-apply':
      return needNode({ at, do: 'fail-apply', node, group: e.group });
    case 'corrupt-snapshot':
      return needNode({ at, do: 'corrupt-snapshot', node, group: e.group });
    default:
      return `${e.fault} at ${at} ms left out: ${NOT_STEPS[e.fault] ?? 'not a scenario action'}`;
  }
}

/**
 * The scenario that runs `events` again: its client operations and faults as steps. `name`
 * defaults to the header's scenario name or "reproduce-<engine>".
 */
export function scenarioFromTrace(
  header: TraceHeader,
  events: readonly TraceEvent[],
  options: { name?: string } = {},
): ReproduceResult {
  const notes: string[] = [];
  // The exact payload of every write that reached a state machine, by request id.
  const applied = new Map<string, unknown>();
  const invokes = new Map<string, HistoryEvent>();
  for (const e of events) {
    if (e.type === 'apply' && e.requestId !== undefined && !applied.has(e.requestId)) {
      if (e.op !== undefined) applied.set(e.requestId, e.op);
    } else if (e.type === 'invoke' && e.requestId !== undefined) {
      invokes.set(e.requestId, e);
    }
  }
  let link: TraceLinkPolicy = header.cluster.network?.link ?? {
    delayMsMin: 0,
    delayMsMax: 0,
    dropRatio: 0,
    duplicateRatio: 0,
  };
  const steps: Step[] = [];
  const seen = new Set<string>();
  let byHand = 0;
  let lastT = 0;
  for (const e of events) {
    lastT = Math.max(lastT, e.t);
    if (e.type === 'request') {
      // The first `request` of an id is where the client sent it; a forwarded one arrives again.
      if (seen.has(e.requestId)) continue;
      seen.add(e.requestId);
      const at = ms(e.t);
      const node = e.node;
      if (node === null) continue;
      const op = e.kind === 'write' ? applied.get(e.requestId) : undefined;
      const inv = invokes.get(e.requestId);
      const call = inv === undefined ? null : payloadOfCall(inv);
      const payload = (op as Rec | undefined) ?? (call?.kind === e.kind ? call.payload : null);
      if (payload === null || typeof payload !== 'object') {
        notes.push(
          `${e.kind} ${e.requestId} ("${e.label}") at ${at} ms left out: the trace does not give ` +
            'its payload (it never reached a state machine and has no client history)',
        );
        continue;
      }
      if (op === undefined && inv?.group === INSTANCE_REGISTRY_GROUP && e.kind === 'write') {
        notes.push(
          `${e.requestId} at ${at} ms: its instance is rebuilt from the client history (ip:port only)`,
        );
      }
      steps.push(
        (e.kind === 'write'
          ? { at, do: 'write', node, group: e.group, op: payload }
          : { at, do: 'read', node, group: e.group, query: payload }) as Step,
      );
    } else if (e.type === 'fault') {
      const s = faultStep(e, link);
      if (typeof s === 'string') notes.push(s);
      else steps.push(s);
      if (e.fault === 'network' && e.from === undefined && e.to === undefined) {
        link = { ...link, ...e.change };
      }
    } else if (e.type === 'drop' && e.reason === 'dropped by hand') {
      byHand++;
    }
  }
  if (byHand > 0) {
    notes.push(`${byHand} message(s) dropped by hand are not scenario actions and are left out`);
  }
  const simulated = header.engine === 'simulated' || header.engine === 'cli';
  if (!simulated) {
    notes.push(
      `recorded on the ${header.engine} engine: steps keep their cluster times, but message ` +
        'delays and timers there followed wall-clock time, so the replay is best effort',
    );
  }
  if (header.dropped !== undefined) {
    notes.push(
      `the trace starts after ${header.dropped.events} dropped events: steps before it are missing`,
    );
  }
  if (header.initial !== null && Object.keys(header.initial).length > 0) {
    notes.push('the run started from an initial state; it is carried over as the scenario gave it');
  }
  const c = header.cluster;
  const raft = c.raft;
  const nodeCount = c.nodes.length;
  const expected = Array.from({ length: nodeCount }, (_, i) => `n${i + 1}`);
  if (c.nodes.some((n, i) => n !== expected[i])) {
    notes.push(`the cluster's nodes (${c.nodes.join(', ')}) are renamed n1..n${nodeCount}`);
  }
  const cluster: Rec = { nodes: nodeCount, groups: [...c.groups] as GroupId[] };
  if (raft !== null) {
    cluster.raft = {
      profile: raft.profile === 'lesson' ? 'lesson' : 'nacos',
      electionTimeoutMs: raft.electionTimeoutMs,
      maxElectionDelayMs: raft.maxElectionDelayMs,
      tickMs: raft.tickMs,
      readOnly: raft.readOnly,
    };
  }
  const net = c.network?.link;
  if (net !== undefined) {
    cluster.network = {
      delayMs: [net.delayMsMin, net.delayMsMax],
      drop: net.dropRatio,
      duplicate: net.duplicateRatio,
    };
  }
  const exact = simulated && header.seed !== null && notes.length === 0;
  const lead = exact
    ? 'Replays the run exactly: same seed, same steps at the same cluster times.'
    : simulated
      ? 'Replays the run with its seed; see the notes for what could not be carried over.'
      : 'Timing is best effort: a live run is not decided by its seed.';
  const input: Rec = {
    name: options.name ?? header.scenario ?? `reproduce-${header.engine}`,
    description: [lead, ...notes].join(' '),
    seed: header.seed ?? 1,
    cluster,
    steps,
    durationMs: Math.max(1000, Math.ceil(lastT)),
  };
  if (header.initial !== null && Object.keys(header.initial).length > 0) {
    input.initial = header.initial;
  }
  const parsed = parseScenario(input);
  if (!parsed.ok) {
    return { ok: false, scenario: null, exact: false, notes, errors: parsed.errors };
  }
  return { ok: true, scenario: parsed.scenario, exact, notes, errors: [] };
}
