// The scenario file format (DESIGN.md §3): its TS types, its zod schema and its validator.
// Invariant: parseScenario either returns a scenario in which every node reference, group and
// step time has been checked against the cluster it describes (defaults filled in), or every
// error it found, each naming the exact path of the bad field. Unknown actions and unknown
// fields are errors, never ignored.
import { z } from 'zod';
import type { GroupId, NodeId, Role } from '../raft/types.ts';
import type { PathError } from '../trace/schema.ts';
import { InvalidRequest } from '../cp/stateMachine.ts';
import { DEFAULT_GROUPS } from '../cp/groups.ts';
import { KNOWN_GROUPS, validateOp, validateQuery } from '../cp/processors.ts';
import { LESSON_TIMING, NACOS_TIMING, NACOS_MIN_ELECTION_TIMEOUT_MS } from '../node/node.ts';
import type { Bound } from './limits.ts';
import { checkBound, LIMITS, MAX_NODES, MAX_SAFE_INTEGER, MAX_TICKS_PER_NODE } from './limits.ts';
import {
  expecting,
  formatPath,
  issuesToErrors,
  objectError,
  userFileParseOptions,
} from '../trace/schema.ts';

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/**
 * A node reference in a step: a node id `n1`..`nN`, or `@leader:<group>` (the node that is
 * that group's leader when the step runs) or `@follower:<group>` (one of its followers, chosen
 * by the run's seeded generator). The runner resolves `@` references when the step fires.
 */
export type NodeRef = string;

/** A node reference taken apart; see resolveNodeRefSyntax. */
export type NodeRefSyntax =
  | { kind: 'id'; id: NodeId }
  | { kind: 'leader'; group: GroupId }
  | { kind: 'follower'; group: GroupId };

/** Raft timing and read options; omitted fields take the profile's defaults. */
export interface ScenarioRaft {
  electionTimeoutMs?: number;
  maxElectionDelayMs?: number;
  tickMs?: number;
  /** 'nacos' raises an election timeout below 5000 ms to 5000; 'lesson' keeps it. */
  profile?: 'nacos' | 'lesson';
  readOnly?: 'safe' | 'lease';
  /** Nacos's behaviour (default) or the textbook's where they differ (docs/NACOS-DIFFERENCES.md). */
  fidelity?: 'nacos' | 'textbook';
}

/** Network faults. `delayMs` is a [min, max] range of one-way delay; drop and duplicate are probabilities. */
export interface ScenarioNetwork {
  delayMs?: [number, number];
  drop?: number;
  duplicate?: number;
}

export interface ScenarioCluster {
  /** Node count 1..9; the nodes are n1..nN. */
  nodes: number;
  /** Raft groups every node runs; default ["nacos_config"]. */
  groups: GroupId[];
  raft?: ScenarioRaft;
  network?: ScenarioNetwork;
}

/**
 * Durable state seeded into one node before the run (e.g. the paper's Figure 7).
 * `log` holds one term per entry, entry i + 1 having term log[i].
 */
export interface InitialNodeState {
  term: number;
  votedFor: NodeId | null;
  log: number[];
  /** The group seeded; defaults to cluster.groups[0] (filled in by parseScenario). */
  group: GroupId;
  /** Commit index persisted with the hard state; defaults to 0 (filled in by parseScenario). */
  commit: number;
}

export const ACTIONS = [
  'write',
  'read',
  'crash',
  'restart',
  'pause',
  'resume',
  'partition',
  'heal',
  'cut',
  'link',
  'network',
  'skew',
  'add-node',
  'remove-node',
  'transfer-leader',
  'snapshot',
  'fail-apply',
  'corrupt-snapshot',
  'narrate',
  'expect',
] as const;

export type Action = (typeof ACTIONS)[number];

interface StepBase {
  /** Cluster time in ms at which the step fires; steps are in non-decreasing `at` order. */
  at: number;
}

/** A client write submitted at `node` (which forwards to the leader as Nacos does). */
export interface WriteStep extends StepBase {
  do: 'write';
  node: NodeRef;
  group: GroupId;
  /** The processor's operation, e.g. { type: 'publish', dataId, content }. */
  op: Record<string, unknown>;
}

/** A client read submitted at `node` (ReadIndex first, then through the log). */
export interface ReadStep extends StepBase {
  do: 'read';
  node: NodeRef;
  group: GroupId;
  query: Record<string, unknown>;
}

/** The node's process stops; its durable state survives. */
export interface CrashStep extends StepBase {
  do: 'crash';
  node: NodeRef;
}

/** A crashed node starts again from its durable state. */
export interface RestartStep extends StepBase {
  do: 'restart';
  node: NodeRef;
}

/** The node stops processing (a GC pause or SIGSTOP); messages to it queue up. */
export interface PauseStep extends StepBase {
  do: 'pause';
  node: NodeRef;
}

export interface ResumeStep extends StepBase {
  do: 'resume';
  node: NodeRef;
}

/**
 * Split the network: nodes on different sides cannot reach each other. Nodes named on no side
 * form one more side together. A later partition replaces this one; `heal` ends it.
 */
export interface PartitionStep extends StepBase {
  do: 'partition';
  sides: NodeRef[][];
}

/** Restore every link: ends partitions and cuts (network delay/drop settings stay). */
export interface HealStep extends StepBase {
  do: 'heal';
}

/** Cut one direction of one link: messages from `from` to `to` are lost. */
export interface CutStep extends StepBase {
  do: 'cut';
  from: NodeRef;
  to: NodeRef;
}

/** Restore the direction `from` → `to` of one link cut before. */
export interface LinkStep extends StepBase {
  do: 'link';
  from: NodeRef;
  to: NodeRef;
}

/**
 * Change network faults. Without from/to the change applies to every link; with both it applies
 * to the one direction from → to. Omitted settings are left as they were.
 */
export interface NetworkStep extends StepBase {
  do: 'network';
  delayMs?: [number, number];
  drop?: number;
  duplicate?: number;
  from?: NodeRef;
  to?: NodeRef;
}

/** Make a node's clock run at `rate` times real speed (1.5 = 50 % fast, 0.5 = half speed). */
export interface SkewStep extends StepBase {
  do: 'skew';
  node: NodeRef;
  rate: number;
}

/**
 * Start a new node, which adds itself to every group (retrying each second, as Nacos does).
 * `node` defaults to the next unused id (filled in by parseScenario).
 */
export interface AddNodeStep extends StepBase {
  do: 'add-node';
  node: NodeId;
}

/** Remove a node from every group's configuration (retried until it succeeds). */
export interface RemoveNodeStep extends StepBase {
  do: 'remove-node';
  node: NodeRef;
}

/** Ask the group's leader to hand leadership to `to` (TimeoutNow). */
export interface TransferLeaderStep extends StepBase {
  do: 'transfer-leader';
  group: GroupId;
  to: NodeRef;
}

/** Take a snapshot of the group on the node now. */
export interface SnapshotStep extends StepBase {
  do: 'snapshot';
  node: NodeRef;
  group: GroupId;
}

/** Make the node's state machine of the group throw on its next apply (the group goes to ERROR). */
export interface FailApplyStep extends StepBase {
  do: 'fail-apply';
  node: NodeRef;
  group: GroupId;
}

/**
 * Damage the node's stored snapshot of the group (data changed, recorded checksum kept). It shows
 * at the next load: under nacos the checksum check fails and the group enters ERROR.
 */
export interface CorruptSnapshotStep extends StepBase {
  do: 'corrupt-snapshot';
  node: NodeRef;
  group: GroupId;
}

/**
 * The views a lesson can point at while a narrate step is shown (the page highlights it): the
 * cluster stage, the logs, and the panel tabs.
 */
export const LESSON_VIEWS = [
  'cluster',
  'logs',
  'requests',
  'state',
  'metadata',
  'charts',
  'events',
] as const;

export type LessonView = (typeof LESSON_VIEWS)[number];

/** Lesson text shown at this moment (and recorded in the trace). */
export interface NarrateStep extends StepBase {
  do: 'narrate';
  text: string;
  /** The view the page highlights while this text is shown (lessons); none when omitted. */
  view?: LessonView;
}

/**
 * What an expect step checks. Every check concerns one group (`group` is required) and looks at
 * the nodes that are running (not crashed) when the step fires.
 * - 'single-leader': exactly one running node is leader of the group.
 *     Optional: term (that leader's term must equal it).
 * - 'leader': `node` is the group's leader. Optional: term.
 * - 'no-leader': no running node is leader of the group.
 * - 'committed': entry `index` is committed: on `node` if given, else on a majority of the
 *     group's voters. Optional: term (the entry's term), value (the entry's operation,
 *     compared as JSON).
 * - 'applied-equal': every running node's state machine of the group is identical. Optional:
 *     index (each must have applied at least up to it).
 * - 'log-equal': every running node's log of the group is identical. Optional: index (compare
 *     only entries 1..index, and each must have them).
 * - 'term': the current term is `term`: on `node` if given, else on every running node.
 * - 'role': `node` has role `role` in the group. Optional: term.
 */
export const EXPECTATIONS = [
  'single-leader',
  'leader',
  'no-leader',
  'committed',
  'applied-equal',
  'log-equal',
  'term',
  'role',
] as const;

export type Expectation = (typeof EXPECTATIONS)[number];

type ExpectField = 'node' | 'index' | 'term' | 'role' | 'value';

/** For each expectation, the fields it needs and the ones it may take (besides group). */
export const EXPECT_FIELDS: Record<
  Expectation,
  { required: readonly ExpectField[]; optional: readonly ExpectField[] }
> = {
  'single-leader': { required: [], optional: ['term'] },
  leader: { required: ['node'], optional: ['term'] },
  'no-leader': { required: [], optional: [] },
  committed: { required: ['index'], optional: ['node', 'term', 'value'] },
  'applied-equal': { required: [], optional: ['index'] },
  'log-equal': { required: [], optional: ['index'] },
  term: { required: ['term'], optional: ['node'] },
  role: { required: ['node', 'role'], optional: ['term'] },
};

export interface ExpectStep extends StepBase {
  do: 'expect';
  that: Expectation;
  group: GroupId;
  node?: NodeRef;
  index?: number;
  term?: number;
  role?: Role;
  value?: unknown;
}

/** One step of a scenario, discriminated on `do`. */
export type Step =
  | WriteStep
  | ReadStep
  | CrashStep
  | RestartStep
  | PauseStep
  | ResumeStep
  | PartitionStep
  | HealStep
  | CutStep
  | LinkStep
  | NetworkStep
  | SkewStep
  | AddNodeStep
  | RemoveNodeStep
  | TransferLeaderStep
  | SnapshotStep
  | FailApplyStep
  | CorruptSnapshotStep
  | NarrateStep
  | ExpectStep;

/** The step of one action, e.g. StepOf<'crash'>. */
export type StepOf<A extends Action> = Extract<Step, { do: A }>;

/** A validated scenario with defaults filled in. */
export interface Scenario {
  name: string;
  description?: string;
  /** Seed of the whole run; default 1. */
  seed: number;
  cluster: ScenarioCluster;
  /** Durable state per node id (initial nodes only), seeded before the run. */
  initial?: Record<NodeId, InitialNodeState>;
  steps: Step[];
  /** How long the run lasts, in cluster ms; every step's `at` is ≤ durationMs. */
  durationMs: number;
}

export type ScenarioResult = { ok: true; scenario: Scenario } | { ok: false; errors: string[] };

// ---------------------------------------------------------------------------------------------
// Node references
// ---------------------------------------------------------------------------------------------

const NODE_ID_RE = /^n[1-9][0-9]*$/;
const NODE_REF_RE = /^(?:n[1-9][0-9]*|@(?:leader|follower):.+)$/;

/** Parse a node reference's syntax (not whether the node or group exists); null if malformed. */
export function resolveNodeRefSyntax(ref: string): NodeRefSyntax | null {
  if (NODE_ID_RE.test(ref)) return { kind: 'id', id: ref };
  const at = /^@(leader|follower):(.+)$/.exec(ref);
  if (at) return { kind: at[1] as 'leader' | 'follower', group: at[2] };
  return null;
}

/** The ids of a cluster of `count` nodes: n1..nN. */
export function nodeIds(count: number): NodeId[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

// ---------------------------------------------------------------------------------------------
// Schema. Leaf schemas carry their own "expected …, got …" message; everything else is worded
// by userFileErrorMap (src/trace/schema.ts).
// ---------------------------------------------------------------------------------------------

interface NumberSpec {
  int?: boolean;
  min?: number;
  /** min is exclusive (value > min). */
  above?: boolean;
  max?: number;
  /** Why the maximum is what it is (from limits.ts), told to whoever exceeds it. */
  why?: string;
  /** Why the minimum is what it is, when there is more to say than the range. */
  whyMin?: string;
}

/** A number schema for a bound of limits.ts. */
function bounded(b: Bound) {
  return numberSchema({
    int: b.integer,
    min: b.min,
    above: b.minExclusive,
    max: b.max,
    why: b.why,
    whyMin: b.whyMin,
  });
}

function numberSchema(spec: NumberSpec) {
  const kind = spec.int ? 'integer' : 'number';
  let what = kind;
  if (spec.min !== undefined && spec.max !== undefined) {
    what = spec.above
      ? `${kind} > ${spec.min} and <= ${spec.max}`
      : `${kind} ${spec.min}..${spec.max}`;
  } else if (spec.min !== undefined) what = `${kind} ${spec.above ? '>' : '>='} ${spec.min}`;
  const wrong = expecting(what);
  // JSON.parse turns 1e400 into Infinity, which JSON.stringify would print as null: name it.
  const error = (iss: { input?: unknown }): string => {
    const v = iss.input;
    if (typeof v !== 'number') return wrong(iss);
    if (!Number.isFinite(v))
      return `expected ${what}, got ${String(v)}, which is not a finite number`;
    // zod's int() also refuses integers too large to be exact.
    if (spec.int && Math.abs(v) > MAX_SAFE_INTEGER) {
      return `${wrong(iss)}: integers beyond 2^53 - 1 lose precision`;
    }
    return wrong(iss);
  };
  const because = (why: string | undefined) => (iss: { input?: unknown }) =>
    why === undefined ? error(iss) : `${error(iss)}: ${why}`;
  let schema = z.number({ error });
  if (spec.int) schema = schema.int({ error });
  if (spec.min !== undefined) {
    const error = because(spec.whyMin);
    schema = spec.above ? schema.gt(spec.min, { error }) : schema.gte(spec.min, { error });
  }
  if (spec.max !== undefined) schema = schema.lte(spec.max, { error: because(spec.why) });
  return schema;
}

const ms = numberSchema({ min: 0 });
const delayMs = bounded(LIMITS.delayMs);
const probability = numberSchema({ min: 0, max: 1 });
const index = numberSchema({ int: true, min: 0 });
const termNumber = numberSchema({ int: true, min: 0 });
const text = z.string({ error: expecting('string') });
const nonEmptyText = z
  .string({ error: expecting('a non-empty string') })
  .min(1, { error: expecting('a non-empty string') });
const groupId = nonEmptyText;

const nodeRefError = expecting('a node id like "n3", "@leader:<group>" or "@follower:<group>"');
const nodeRef = z.string({ error: nodeRefError }).regex(NODE_REF_RE, { error: nodeRefError });
const nodeIdError = expecting('a node id like "n3"');
const nodeId = z.string({ error: nodeIdError }).regex(NODE_ID_RE, { error: nodeIdError });

function oneOf<const T extends readonly [string, ...string[]]>(values: T, noun: string) {
  const list = values.join(', ');
  return z.enum(values, {
    error: (iss) =>
      typeof iss.input === 'string'
        ? `unknown ${noun} "${iss.input}" (expected one of ${list})`
        : expecting(`one of ${list}`)(iss),
  });
}

const delayRangeError = expecting('[min, max] with 0 <= min <= max');
const delayRange = z
  .tuple([delayMs, delayMs], { error: delayRangeError })
  .refine(([min, max]) => min <= max, { error: delayRangeError });

const payload = z.record(z.string(), z.unknown(), { error: objectError('object') });

const raftSchema = z.strictObject(
  {
    electionTimeoutMs: bounded(LIMITS.electionTimeoutMs).optional(),
    maxElectionDelayMs: bounded(LIMITS.maxElectionDelayMs).optional(),
    tickMs: bounded(LIMITS.tickMs).optional(),
    profile: oneOf(['nacos', 'lesson'], 'profile').optional(),
    readOnly: oneOf(['safe', 'lease'], 'readOnly mode').optional(),
    fidelity: oneOf(['nacos', 'textbook'], 'fidelity').optional(),
  },
  { error: objectError('object') },
);

const networkSettings = {
  delayMs: delayRange.optional(),
  drop: probability.optional(),
  duplicate: probability.optional(),
};

const clusterSchema = z.strictObject(
  {
    nodes: bounded(LIMITS.nodes),
    groups: z
      .array(groupId, { error: expecting('array of group names') })
      .min(1, { error: expecting('at least one group') })
      .default([...DEFAULT_GROUPS]),
    raft: raftSchema.optional(),
    network: z.strictObject(networkSettings, { error: objectError('object') }).optional(),
  },
  { error: objectError('object') },
);

const initialNodeSchema = z.strictObject(
  {
    term: termNumber,
    votedFor: nodeId.nullable().default(null),
    log: z.array(numberSchema({ int: true, min: 1 }), { error: expecting('array of terms') }),
    group: groupId.optional(),
    commit: index.optional(),
  },
  { error: objectError('object') },
);

function step<const A extends Action, S extends z.ZodRawShape>(action: A, shape: S) {
  return z.strictObject(
    { at: ms, do: z.literal(action), ...shape },
    { error: objectError('object') },
  );
}

const nodeOnly = { node: nodeRef };
const link = { from: nodeRef, to: nodeRef };
const nodeGroup = { node: nodeRef, group: groupId };

/** One zod schema per action, in ACTIONS order. */
export const stepSchemas = {
  write: step('write', { ...nodeGroup, op: payload }),
  read: step('read', { ...nodeGroup, query: payload }),
  crash: step('crash', nodeOnly),
  restart: step('restart', nodeOnly),
  pause: step('pause', nodeOnly),
  resume: step('resume', nodeOnly),
  partition: step('partition', {
    sides: z
      .array(
        z
          .array(nodeRef, { error: expecting('array of nodes') })
          .min(1, { error: expecting('a non-empty array of nodes') }),
        { error: expecting('array of sides') },
      )
      .min(1, { error: expecting('at least one side') }),
  }),
  heal: step('heal', {}),
  cut: step('cut', link),
  link: step('link', link),
  network: step('network', {
    ...networkSettings,
    from: nodeRef.optional(),
    to: nodeRef.optional(),
  }),
  skew: step('skew', { node: nodeRef, rate: bounded(LIMITS.skewRate) }),
  'add-node': step('add-node', { node: nodeId.optional() }),
  'remove-node': step('remove-node', nodeOnly),
  'transfer-leader': step('transfer-leader', { group: groupId, to: nodeRef }),
  snapshot: step('snapshot', nodeGroup),
  'fail-apply': step('fail-apply', nodeGroup),
  'corrupt-snapshot': step('corrupt-snapshot', nodeGroup),
  narrate: step('narrate', { text, view: oneOf(LESSON_VIEWS, 'view').optional() }),
  expect: step('expect', {
    that: oneOf(EXPECTATIONS, 'expectation'),
    group: groupId,
    node: nodeRef.optional(),
    index: index.optional(),
    term: termNumber.optional(),
    role: oneOf(['follower', 'pre-candidate', 'candidate', 'leader'], 'role').optional(),
    value: z.unknown().optional(),
  }),
} satisfies { [A in Action]: z.ZodType };

export const stepSchema = z.discriminatedUnion(
  'do',
  ACTIONS.map((a) => stepSchemas[a]) as unknown as [
    (typeof stepSchemas)[Action],
    ...(typeof stepSchemas)[Action][],
  ],
);

/** The whole file's structure. Cross-field rules (node ids, groups, step order) are checked by parseScenario. */
export const scenarioSchema = z.strictObject(
  {
    name: nonEmptyText,
    description: text.optional(),
    seed: bounded(LIMITS.seed).default(1),
    cluster: clusterSchema,
    initial: z.record(z.string(), initialNodeSchema, { error: objectError('object') }).optional(),
    steps: z.array(stepSchema, { error: expecting('array of steps') }),
    durationMs: bounded(LIMITS.durationMs),
  },
  { error: objectError('a scenario object') },
);

// ---------------------------------------------------------------------------------------------
// Error wording
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// Error wording (shared with trace validation; see src/trace/schema.ts)
// ---------------------------------------------------------------------------------------------

type Path = readonly PropertyKey[];

/** A path as errors name it; the empty path is the whole file, `scenario`. */
function pathText(path: Path): string {
  return formatPath(path) || 'scenario';
}

// ---------------------------------------------------------------------------------------------
// Cross-field checks. These read the raw input defensively, so they run (and report) even when
// the structure has errors elsewhere; a field of the wrong shape is left to the schema's error.
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Whether `v` is a number within `b` (a value that is not is the schema's error to report). */
function validNumber(v: unknown, b: Bound): boolean {
  return isNum(v) && checkBound(v, b) === null;
}

/**
 * The field a processor's request error names, as a path inside the op or query. The checks
 * in src/cp word their errors `<operation>: [<object>: ]field "<name>" …` (stateMachine.ts
 * requireString, namingPersistent.ts parseInstance), or `unsupport operation : X` for the type;
 * a message of another shape points at the op as a whole.
 */
export function requestErrorPath(message: string): (string | number)[] {
  if (/^unsupport(ed)? operation/i.test(message)) return ['type'];
  const m = /field "([^"]+)"/.exec(message);
  if (m === null) return [];
  const objects = message
    .slice(0, m.index)
    .split(':')
    .map((part) => part.trim())
    .slice(1)
    .filter((part) => /^[A-Za-z_][\w]*$/.test(part));
  // A numeric segment is an array index ("keys.1" → keys[1]).
  return [...objects, ...m[1].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p))];
}

/** Fields of each action that hold one node reference. */
const NODE_REF_FIELDS: { [A in Action]: readonly string[] } = {
  write: ['node'],
  read: ['node'],
  crash: ['node'],
  restart: ['node'],
  pause: ['node'],
  resume: ['node'],
  partition: [],
  heal: [],
  cut: ['from', 'to'],
  link: ['from', 'to'],
  network: ['from', 'to'],
  skew: ['node'],
  'add-node': [],
  'remove-node': ['node'],
  'transfer-leader': ['to'],
  snapshot: ['node'],
  'fail-apply': ['node'],
  'corrupt-snapshot': ['node'],
  narrate: [],
  expect: ['node'],
};

const GROUP_ACTIONS: ReadonlySet<Action> = new Set<Action>([
  'write',
  'read',
  'transfer-leader',
  'snapshot',
  'fail-apply',
  'corrupt-snapshot',
  'expect',
]);

class CrossChecker {
  readonly errors: PathError[] = [];
  /** Node ids that exist so far, or null when cluster.nodes is itself invalid. */
  known: Set<NodeId> | null;
  /** The cluster's groups, or null when cluster.groups is itself invalid. */
  readonly groups: readonly string[] | null;
  /** Ids that add-node steps without a `node` field will get, by step index. */
  readonly addedIds = new Map<number, NodeId>();

  constructor(readonly input: Obj) {
    const cluster = isObj(input.cluster) ? input.cluster : {};
    const nodes = cluster.nodes;
    this.known = validNumber(nodes, LIMITS.nodes) ? new Set(nodeIds(nodes as number)) : null;
    const groups = cluster.groups === undefined ? [...DEFAULT_GROUPS] : cluster.groups;
    this.groups =
      Array.isArray(groups) && groups.every((g) => typeof g === 'string') ? groups : null;
  }

  error(path: Path, message: string): void {
    this.errors.push({ path, message });
  }

  run(): void {
    this.checkGroups();
    this.checkTiming();
    this.checkInitial();
    this.checkSteps();
  }

  checkGroups(): void {
    if (!this.groups) return;
    this.groups.forEach((g, i) => {
      if (this.groups!.indexOf(g) < i) {
        this.error(['cluster', 'groups', i], `duplicate group "${g}"`);
      } else if (g !== '' && !KNOWN_GROUPS.includes(g)) {
        // Every group is one of Nacos's CP processors (processors.ts); a node cannot run
        // a group it has no state machine for.
        this.error(
          ['cluster', 'groups', i],
          `unknown group "${g}" (expected one of ${KNOWN_GROUPS.join(', ')})`,
        );
      }
    });
  }

  /**
   * Check a write's operation or a read's query with the processor's own request checks
   * (processors.ts), the ones the node runs before it proposes, so a request the node would
   * refuse is an error in the file, not a failed request found later in the trace.
   */
  checkRequest(path: Path, group: unknown, kind: 'op' | 'query', payload: unknown): void {
    if (typeof group !== 'string' || !this.groups?.includes(group)) return;
    if (!KNOWN_GROUPS.includes(group) || !isObj(payload)) return;
    try {
      if (kind === 'op') validateOp(group, payload);
      else validateQuery(group, payload);
    } catch (err) {
      if (!(err instanceof InvalidRequest)) throw err;
      this.error([...path, kind, ...requestErrorPath(err.message)], err.message);
    }
  }

  /**
   * The scenario's timing: at least two ticks per election timeout (the election timer counts
   * whole ticks), and a bounded number of ticks per node for the whole run, counting the
   * fastest clock a skew step sets (limits.ts, MAX_TICKS_PER_NODE).
   */
  checkTiming(): void {
    const cluster = isObj(this.input.cluster) ? this.input.cluster : {};
    const raft = isObj(cluster.raft) ? cluster.raft : {};
    const base = raft.profile === 'lesson' ? LESSON_TIMING : NACOS_TIMING;
    const tickOk = raft.tickMs === undefined || validNumber(raft.tickMs, LIMITS.tickMs);
    const timeoutOk =
      raft.electionTimeoutMs === undefined ||
      validNumber(raft.electionTimeoutMs, LIMITS.electionTimeoutMs);
    if (!tickOk || !timeoutOk) return;
    const tickMs = (raft.tickMs as number | undefined) ?? base.tickMs;
    const asked = (raft.electionTimeoutMs as number | undefined) ?? base.electionTimeoutMs;
    const profile = raft.profile ?? base.profile;
    // Nacos raises a timeout below 5 s to 5 s (node.ts toTicks); the lesson profile keeps it.
    const timeout = profile === 'nacos' ? Math.max(asked, NACOS_MIN_ELECTION_TIMEOUT_MS) : asked;
    if (tickMs * 2 > timeout) {
      this.error(
        ['cluster', 'raft', 'tickMs'],
        `a tick of ${tickMs} ms is more than half the election timeout (${timeout} ms): ` +
          'the election timer counts whole ticks, so it needs at least two',
      );
      return;
    }
    const duration = this.input.durationMs;
    if (!validNumber(duration, LIMITS.durationMs)) return;
    let fastest = 1;
    let fastestAt: Path | null = null;
    const steps = Array.isArray(this.input.steps) ? this.input.steps : [];
    steps.forEach((s, i) => {
      if (isObj(s) && s.do === 'skew' && validNumber(s.rate, LIMITS.skewRate)) {
        if ((s.rate as number) > fastest) {
          fastest = s.rate as number;
          fastestAt = ['steps', i, 'rate'];
        }
      }
    });
    const ticks = Math.ceil(((duration as number) / tickMs) * fastest);
    if (ticks > MAX_TICKS_PER_NODE) {
      const skew =
        fastestAt === null ? '' : ` with a clock ${fastest}× fast (${pathText(fastestAt)})`;
      this.error(
        ['durationMs'],
        `${duration as number} ms at a tick of ${tickMs} ms${skew} is ${ticks} ticks per node, ` +
          `more than ${MAX_TICKS_PER_NODE}: the run would take far too long; shorten durationMs ` +
          'or raise cluster.raft.tickMs',
      );
    }
  }

  groupList(): string {
    return (this.groups ?? []).join(', ');
  }

  checkGroup(path: Path, value: unknown): void {
    if (typeof value !== 'string' || value === '' || !this.groups) return;
    if (!this.groups.includes(value)) {
      this.error(path, `unknown group "${value}" (expected one of ${this.groupList()})`);
    }
  }

  checkNodeRef(path: Path, value: unknown): void {
    if (typeof value !== 'string') return;
    const ref = resolveNodeRefSyntax(value);
    if (ref === null) return;
    if (ref.kind === 'id') {
      if (this.known && !this.known.has(ref.id)) this.error(path, `unknown node "${ref.id}"`);
    } else if (this.groups && !this.groups.includes(ref.group)) {
      this.error(
        path,
        `unknown group "${ref.group}" in "${value}" (expected one of ${this.groupList()})`,
      );
    }
  }

  checkInitial(): void {
    const initial = this.input.initial;
    if (!isObj(initial)) return;
    const groupsWithNodes = this.groups;
    for (const [id, state] of Object.entries(initial)) {
      const path = ['initial', id];
      if (!NODE_ID_RE.test(id)) {
        this.error(path, `expected a node id like "n3" as key, got ${JSON.stringify(id)}`);
        continue;
      }
      if (this.known && !this.known.has(id)) {
        this.error(path, `unknown node "${id}"`);
        continue;
      }
      if (!isObj(state)) continue;
      this.checkNodeRef([...path, 'votedFor'], state.votedFor);
      this.checkGroup([...path, 'group'], state.group);
      if (state.group === undefined && groupsWithNodes && groupsWithNodes.length > 1) {
        this.error([...path, 'group'], `missing, required when the cluster has several groups`);
      }
      const term = state.term;
      const log = Array.isArray(state.log) ? state.log : [];
      let previous = 0;
      log.forEach((t, i) => {
        if (!isNum(t)) return;
        if (t < previous) {
          this.error(
            [...path, 'log', i],
            `term ${t} is lower than the entry before it (${previous})`,
          );
        } else if (isNum(term) && t > term) {
          this.error([...path, 'log', i], `term ${t} is higher than the node's term (${term})`);
        }
        previous = Math.max(previous, t);
      });
      if (isNum(state.commit) && Array.isArray(state.log) && state.commit > log.length) {
        this.error(
          [...path, 'commit'],
          `commit ${state.commit} is beyond the log's last index (${log.length})`,
        );
      }
    }
  }

  checkSteps(): void {
    const steps = this.input.steps;
    if (!Array.isArray(steps)) return;
    const duration = this.input.durationMs;
    let previousAt = -Infinity;
    steps.forEach((s, i) => {
      if (!isObj(s)) return;
      const path = ['steps', i];
      if (isNum(s.at)) {
        if (s.at < previousAt) {
          this.error(
            [...path, 'at'],
            `${s.at} is earlier than the step before it (${previousAt}); steps must be in time order`,
          );
        }
        if (isNum(duration) && duration > 0 && s.at > duration) {
          this.error(
            [...path, 'at'],
            `${s.at} is after the end of the run (durationMs ${duration})`,
          );
        }
        previousAt = Math.max(previousAt, s.at);
      }
      if (typeof s.do !== 'string' || !(ACTIONS as readonly string[]).includes(s.do)) return;
      this.checkStep(path, s, s.do as Action, i);
    });
  }

  checkStep(path: Path, s: Obj, action: Action, i: number): void {
    for (const field of NODE_REF_FIELDS[action]) this.checkNodeRef([...path, field], s[field]);
    if (GROUP_ACTIONS.has(action)) this.checkGroup([...path, 'group'], s.group);
    switch (action) {
      case 'write':
        this.checkRequest(path, s.group, 'op', s.op);
        break;
      case 'read':
        this.checkRequest(path, s.group, 'query', s.query);
        break;
      case 'partition':
        this.checkPartition(path, s.sides);
        break;
      case 'cut':
      case 'link':
        if (typeof s.from === 'string' && s.from === s.to) {
          this.error([...path, 'to'], `same node as from ("${s.from}")`);
        }
        break;
      case 'network':
        if (s.from !== undefined && s.to === undefined)
          this.error([...path, 'to'], 'missing, required with from');
        if (s.to !== undefined && s.from === undefined)
          this.error([...path, 'from'], 'missing, required with to');
        break;
      case 'add-node':
        this.checkAddNode(path, s.node, i);
        break;
      case 'expect':
        this.checkExpect(path, s);
        break;
      default:
        break;
    }
  }

  checkPartition(path: Path, sides: unknown): void {
    if (!Array.isArray(sides)) return;
    const seen = new Map<string, number>();
    sides.forEach((side, j) => {
      if (!Array.isArray(side)) return;
      side.forEach((ref, k) => {
        const p = [...path, 'sides', j, k];
        this.checkNodeRef(p, ref);
        if (typeof ref !== 'string') return;
        const first = seen.get(ref);
        if (first === undefined) seen.set(ref, j);
        else this.error(p, `"${ref}" is already on side ${first}`);
      });
    });
  }

  checkAddNode(path: Path, node: unknown, i: number): void {
    if (!this.known) return;
    // Every node added counts, even one removed later: a removed node keeps running (Nacos
    // leaves the process up), so it still takes one of the cluster's places.
    if (this.known.size >= MAX_NODES) {
      this.error(
        path,
        `add-node would start node ${this.known.size + 1} of a cluster limited to ${MAX_NODES} ` +
          `(cluster.nodes plus the add-node steps before it)`,
      );
      return;
    }
    if (node === undefined) {
      let n = 1;
      while (this.known.has(`n${n}`)) n++;
      this.known.add(`n${n}`);
      this.addedIds.set(i, `n${n}`);
    } else if (typeof node === 'string' && NODE_ID_RE.test(node)) {
      if (this.known.has(node)) this.error([...path, 'node'], `node "${node}" already exists`);
      this.known.add(node);
    }
  }

  checkExpect(path: Path, s: Obj): void {
    if (typeof s.that !== 'string' || !(EXPECTATIONS as readonly string[]).includes(s.that)) return;
    const that = s.that as Expectation;
    const { required, optional } = EXPECT_FIELDS[that];
    for (const field of required) {
      if (s[field] === undefined)
        this.error([...path, field], `missing, required by expect "${that}"`);
    }
    for (const field of ['node', 'index', 'term', 'role', 'value'] as const) {
      if (s[field] !== undefined && !required.includes(field) && !optional.includes(field)) {
        this.error([...path, field], `not used by expect "${that}"`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

const TOP_LEVEL_ORDER = [
  'name',
  'description',
  'seed',
  'cluster',
  'initial',
  'steps',
  'durationMs',
];

/** Order errors as the file reads: by top-level field, then by step index; otherwise stable. */
function compareErrors(a: PathError, b: PathError): number {
  const rank = (e: PathError): number => {
    const r = TOP_LEVEL_ORDER.indexOf(String(e.path[0]));
    return r === -1 ? (e.path.length === 0 ? -1 : TOP_LEVEL_ORDER.length) : r;
  };
  const byField = rank(a) - rank(b);
  if (byField !== 0) return byField;
  if (a.path[0] === 'steps' && typeof a.path[1] === 'number' && typeof b.path[1] === 'number') {
    return a.path[1] - b.path[1];
  }
  return 0;
}

/**
 * Validate a scenario given as parsed JSON. Returns the scenario with defaults filled in (seed,
 * cluster.groups, initial group/commit/votedFor, add-node ids), or every error found, each as
 * `<path>: <what is wrong>`. Never throws.
 */
export function parseScenario(input: unknown): ScenarioResult {
  const parsed = scenarioSchema.safeParse(
    input,
    userFileParseOptions({ do: 'action', that: 'expectation' }),
  );
  const errors: PathError[] = parsed.success ? [] : issuesToErrors(parsed.error.issues);
  let addedIds = new Map<number, NodeId>();
  if (isObj(input)) {
    const checker = new CrossChecker(input);
    checker.run();
    addedIds = checker.addedIds;
    // A path the schema already faulted needs no second opinion.
    const faulted = new Set(errors.map((e) => pathText(e.path)));
    for (const e of checker.errors) if (!faulted.has(pathText(e.path))) errors.push(e);
  }
  if (errors.length > 0 || !parsed.success) {
    errors.sort(compareErrors);
    return { ok: false, errors: errors.map((e) => `${pathText(e.path)}: ${e.message}`) };
  }
  const data = parsed.data;
  const defaultGroup = data.cluster.groups[0];
  const initial: Record<NodeId, InitialNodeState> | undefined = data.initial
    ? Object.fromEntries(
        Object.entries(data.initial).map(([id, s]) => [
          id,
          { ...s, group: s.group ?? defaultGroup, commit: s.commit ?? 0 },
        ]),
      )
    : undefined;
  const steps = data.steps.map((s, i): Step => {
    if (s.do === 'add-node') return { ...s, node: s.node ?? addedIds.get(i)! };
    return s as Step;
  });
  const scenario: Scenario = { ...data, steps, ...(initial ? { initial } : {}) } as Scenario;
  return { ok: true, scenario };
}

/** Parse and validate a scenario file's text (a leading BOM is ignored). Never throws. */
export function parseScenarioText(text: string): ScenarioResult {
  let input: unknown;
  try {
    input = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    return { ok: false, errors: [`scenario: invalid JSON (${(e as Error).message})`] };
  }
  return parseScenario(input);
}
