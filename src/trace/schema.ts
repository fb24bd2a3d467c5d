// Zod schemas for the trace header and every trace event of events.ts, plus the error wording
// shared by every validator of user files (traces here, scenarios in src/sim/scenario.ts).
// Invariant: a value these schemas accept is exactly a TraceHeader or TraceEvent (checked at
// compile time below); unknown event types and unknown fields of known types are rejected.
import { z } from 'zod';
import type { FaultKind, TraceEvent, TraceEventType, TraceHeader } from './events.ts';
import { TRACE_FORMAT, TRACE_VERSION } from './events.ts';

// ---------------------------------------------------------------------------------------------
// Error wording: "<path>: expected <what>, got <value>".
// ---------------------------------------------------------------------------------------------

/** A short rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) return typeof value;
  if (json.length <= 40) return json;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${json.slice(0, 37)}...`;
}

interface IssueLike {
  code?: string;
  input?: unknown;
}

/** A zod error function saying what was expected and what came instead (or that it is missing). */
export function expecting(what: string): (iss: IssueLike) => string {
  return (iss) =>
    iss.input === undefined
      ? `missing, expected ${what}`
      : `expected ${what}, got ${describeValue(iss.input)}`;
}

/** For an object schema: word a value that is not an object; leave unknown keys to the error map. */
export function objectError(what: string): (iss: IssueLike) => string | undefined {
  const wrongType = expecting(what);
  return (iss) => (iss.code === 'invalid_type' ? wrongType(iss) : undefined);
}

/** `steps[3].node`, `initial.n2.log[4]`, `cluster["odd key"]`; the empty path is `root`. */
export function formatPath(path: readonly PropertyKey[], root = ''): string {
  let out = root;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$-]*$/.test(key)) {
      out += out === '' ? key : `.${key}`;
    } else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/** The candidate closest to `word` if it is within two edits (a likely typo), else null. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= 2 && bestDistance < word.length ? best : null;
}

const EXPECTED_NAMES: Record<string, string> = { int: 'integer', record: 'object' };

/**
 * The per-parse zod error map for user files. Leaf schemas word their own range errors; this
 * words wrong types, bad enum values, unknown discriminators (naming them by `nouns`, e.g.
 * { do: 'action' }) and unknown fields. An unrecognized_keys issue gets one line per key, in
 * order, which issuesToErrors splits again.
 */
export function userFileErrorMap(
  nouns: Record<string, string>,
): (iss: z.core.$ZodRawIssue) => string | undefined {
  return (iss) => {
    switch (iss.code) {
      case 'unrecognized_keys': {
        const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def
          ?.shape;
        const known = shape ? Object.keys(shape) : [];
        return iss.keys
          .map((key) => {
            const hint = closest(key, known);
            return hint === null ? 'unknown field' : `unknown field (did you mean "${hint}"?)`;
          })
          .join('\n');
      }
      case 'invalid_union': {
        if (iss.note !== 'No matching discriminator' || iss.discriminator === undefined) {
          return undefined;
        }
        const key = iss.discriminator;
        const noun = nouns[key] ?? key;
        const value = (iss.input as Record<string, unknown> | undefined)?.[key];
        const options = (iss as { options?: readonly unknown[] }).options ?? [];
        const list = options.map(String).join(', ');
        if (typeof value === 'string')
          return `unknown ${noun} "${value}" (expected one of ${list})`;
        return expecting(`${noun}, one of ${list}`)({ input: value });
      }
      case 'invalid_type':
        return expecting(EXPECTED_NAMES[iss.expected] ?? iss.expected)(iss);
      case 'invalid_value':
        return expecting(`one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`)(iss);
      default:
        return undefined;
    }
  };
}

/** A validation error: where, and what is wrong there. */
export interface PathError {
  path: readonly PropertyKey[];
  message: string;
}

/** Zod issues worded by userFileErrorMap as path errors, one per unknown key. */
export function issuesToErrors(issues: readonly z.core.$ZodIssue[]): PathError[] {
  const out: PathError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, i) => {
        out.push({ path: [...issue.path, key], message: lines[i] ?? 'unknown field' });
      });
    } else {
      out.push({ path: issue.path, message: issue.message });
    }
  }
  return out;
}

/** Options for safeParse that give user-file wording. */
export function userFileParseOptions(nouns: Record<string, string> = {}) {
  return { reportInput: true, error: userFileErrorMap(nouns) } as const;
}

// ---------------------------------------------------------------------------------------------
// Leaves
// ---------------------------------------------------------------------------------------------

const int0 = z
  .number({ error: expecting('integer >= 0') })
  .int({ error: expecting('integer >= 0') })
  .gte(0, { error: expecting('integer >= 0') });
const intIndex = z
  .number({ error: expecting('integer >= -1') })
  .int({ error: expecting('integer >= -1') })
  .gte(-1, { error: expecting('integer >= -1') });
const time = z
  .number({ error: expecting('number >= 0') })
  .gte(0, { error: expecting('number >= 0') });
const str = z.string({ error: expecting('string') });
const nodeId = str;
const group = str;
const nullableNode = z.union([z.string(), z.null()], { error: expecting('string or null') });
const nodeList = z.array(nodeId, { error: expecting('array of node ids') });
const role = z.enum(['follower', 'pre-candidate', 'candidate', 'leader'], {
  error: expecting('one of follower, pre-candidate, candidate, leader'),
});
const indexRange = z.tuple([int0, int0], { error: expecting('[first, last] or null') }).nullable();
const confState = z.strictObject(
  { voters: nodeList, outgoing: nodeList, learners: nodeList },
  { error: objectError('object') },
);

// ---------------------------------------------------------------------------------------------
// Header and events
// ---------------------------------------------------------------------------------------------

const linkPolicy = {
  delayMsMin: time,
  delayMsMax: time,
  dropRatio: z.number({ error: expecting('number') }),
  duplicateRatio: z.number({ error: expecting('number') }),
  reorder: z.boolean({ error: expecting('boolean') }).optional(),
};
const linkChange = z.strictObject(
  {
    delayMsMin: time.optional(),
    delayMsMax: time.optional(),
    dropRatio: z.number({ error: expecting('number') }).optional(),
    duplicateRatio: z.number({ error: expecting('number') }).optional(),
    reorder: z.boolean({ error: expecting('boolean') }).optional(),
  },
  { error: objectError('object') },
);
const direction = { from: nodeId, to: nodeId };
const sides = z.array(nodeList, { error: expecting('array of node lists') });

const raftProfile = z.strictObject(
  {
    profile: str,
    electionTimeoutMs: time,
    maxElectionDelayMs: time,
    heartbeatMs: time,
    tickMs: time,
    readOnly: z.enum(['safe', 'lease'], { error: expecting('one of safe, lease') }),
    fidelity: z
      .enum(['nacos', 'textbook'], { error: expecting('one of nacos, textbook') })
      .optional(),
    snapshotIntervalMs: time.optional(),
  },
  { error: objectError('object') },
);

const networkSchema = z.strictObject(
  {
    link: z.strictObject(linkPolicy, { error: objectError('object') }),
    overrides: z.array(
      z.strictObject({ ...direction, change: linkChange }, { error: objectError('object') }),
      { error: expecting('array') },
    ),
    sides: sides.nullable(),
    cuts: z.array(z.strictObject(direction, { error: objectError('object') }), {
      error: expecting('array'),
    }),
    hold: z.boolean({ error: expecting('boolean') }),
  },
  { error: objectError('object') },
);

export const traceHeaderSchema = z.strictObject(
  {
    format: z.literal(TRACE_FORMAT, { error: expecting(`"${TRACE_FORMAT}"`) }),
    version: z.literal(TRACE_VERSION, { error: expecting(`version ${TRACE_VERSION}`) }),
    engine: z.enum(['live', 'simulated', 'replay', 'cli'], {
      error: expecting('one of live, simulated, replay, cli'),
    }),
    appVersion: str,
    seed: z.number({ error: expecting('number or null') }).nullable(),
    scenario: z.string({ error: expecting('string or null') }).nullable(),
    // Hosts may describe more of the cluster (clusterId, durability): readers ignore it.
    cluster: z.looseObject(
      {
        nodes: nodeList,
        groups: z.array(group, { error: expecting('array of groups') }),
        raft: raftProfile.nullable(),
        network: networkSchema.nullable(),
      },
      { error: objectError('object') },
    ),
    initial: z.record(z.string(), z.unknown(), { error: expecting('object or null') }).nullable(),
    dropped: z
      .strictObject(
        { events: int0, firstSeq: int0, lastSeq: int0 },
        { error: objectError('object') },
      )
      .optional(),
    notes: z.array(str, { error: expecting('array of strings') }).optional(),
    migratedFrom: int0.optional(),
    encoding: z.literal('compact', { error: expecting('"compact"') }).optional(),
  },
  { error: objectError('object') },
);

/** Fields every event carries: stamped by the host (seq, t) or naming the emitter (node). */
const stamp = { seq: int0, t: time, node: nullableNode };

function event<const T extends TraceEventType, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject(
    { ...stamp, type: z.literal(type), ...shape },
    { error: objectError('object') },
  );
}

const bool = z.boolean({ error: expecting('boolean') });

const msgType = z.enum(
  [
    '?',
    'RequestVote',
    'RequestVoteResponse',
    'AppendEntries',
    'AppendEntriesResponse',
    'InstallSnapshot',
    'InstallSnapshotResponse',
    'TimeoutNow',
    'ReadIndex',
    'ReadIndexResponse',
    'Forward',
    'ForwardResponse',
  ],
  { error: expecting('a message type') },
);

const messageSummary = {
  group,
  msgId: int0,
  copyOf: int0.optional(),
  from: nodeId,
  to: nodeId,
  msgType,
  term: int0,
  entries: indexRange,
  preVote: bool.optional(),
  lastIndex: int0.optional(),
  lastTerm: int0.optional(),
  granted: bool.optional(),
  prevIndex: int0.optional(),
  prevTerm: int0.optional(),
  commit: int0.optional(),
  hb: bool.optional(),
  ok: bool.optional(),
  index: intIndex.optional(),
  hintIndex: int0.optional(),
  hintTerm: int0.optional(),
  reject: str.optional(),
  snap: z.tuple([int0, int0], { error: expecting('[index, term]') }).optional(),
  chunk: int0.optional(),
  chunks: int0.optional(),
  ctx: str.optional(),
  rid: str.optional(),
  kind: z
    .enum(['write', 'read', 'member', 'route'], {
      error: expecting('one of write, read, member, route'),
    })
    .optional(),
};

const entryKind = z.enum(['normal', 'conf', 'noop', 'read'], {
  error: expecting('one of normal, conf, noop, read'),
});
const entrySummary = z.union(
  [z.tuple([int0, int0, entryKind, str]), z.tuple([int0, int0, entryKind, str, str])],
  { error: expecting('[index, term, kind, label] or [index, term, kind, label, requestId]') },
);

const history = {
  group,
  process: str,
  op: str,
  key: str,
  value: z.unknown(),
  requestId: str.optional(),
};

function fault<const F extends FaultKind, S extends z.ZodRawShape>(kind: F, shape: S) {
  return z.strictObject(
    { ...stamp, type: z.literal('fault'), fault: z.literal(kind), ...shape },
    { error: objectError('object') },
  );
}

/** One schema per fault kind, in events.ts order. */
export const faultSchemas = {
  crash: fault('crash', { lostWrites: int0.optional(), reason: str.optional() }),
  restart: fault('restart', {}),
  pause: fault('pause', {}),
  resume: fault('resume', { held: int0.optional() }),
  skew: fault('skew', {
    rate: z.number({ error: expecting('number') }).positive({ error: expecting('rate > 0') }),
  }),
  partition: fault('partition', { sides }),
  heal: fault('heal', {}),
  cut: fault('cut', direction),
  link: fault('link', direction),
  network: fault('network', {
    change: linkChange,
    from: nodeId.optional(),
    to: nodeId.optional(),
  }),
  hold: fault('hold', { on: bool }),
  release: fault('release', { msgId: int0 }),
  discard: fault('discard', { msgId: int0 }),
  'add-node': fault('add-node', { members: nodeList.optional() }),
  'remove-node': fault('remove-node', { askedOf: nodeList.optional() }),
  'transfer-leader': fault('transfer-leader', { group, to: nodeId }),
  snapshot: fault('snapshot', { group }),
  'fail-apply': fault('fail-apply', { group }),
  'corrupt-snapshot': fault('corrupt-snapshot', { group }),
  speed: fault('speed', {
    speed: z.number({ error: expecting('number') }).positive({ error: expecting('speed > 0') }),
  }),
  'pause-cluster': fault('pause-cluster', {}),
  'resume-cluster': fault('resume-cluster', {}),
  durability: fault('durability', { durability: str }),
  'worker-error': fault('worker-error', { message: str }),
  'node-error': fault('node-error', { kind: str, message: str }),
  removed: fault('removed', {}),
  'disk-stall': fault('disk-stall', { waitedMs: time, entries: int0 }),
  'disk-resume': fault('disk-resume', { waitedMs: time }),
  'step-error': fault('step-error', { step: int0.optional(), message: str }),
} satisfies { [F in FaultKind]: z.ZodType };

/** Every fault kind, in events.ts order. */
export const FAULT_KINDS = Object.keys(faultSchemas) as FaultKind[];

type FaultSchema = (typeof faultSchemas)[FaultKind];

const faultSchema = z.discriminatedUnion(
  'fault',
  Object.values(faultSchemas) as [FaultSchema, ...FaultSchema[]],
);

/** One schema per event type. */
export const traceEventSchemas = {
  'node-start': event('node-start', { members: nodeList }),
  'node-crash': event('node-crash', { reason: str.optional() }),
  'node-restart': event('node-restart', { term: int0, lastIndex: int0 }),
  recovered: event('recovered', {
    group,
    term: int0,
    votedFor: nullableNode,
    commit: int0,
    snapshot: z.tuple([int0, int0], { error: expecting('[index, term] or null') }).nullable(),
    entries: z.array(entrySummary, { error: expecting('array of entries') }),
  }),
  role: event('role', { group, from: role, to: role, term: int0, leader: nullableNode }),
  timer: event('timer', {
    group,
    timeoutMs: time,
    repeating: z.boolean({ error: expecting('boolean') }).optional(),
  }),
  vote: event('vote', {
    group,
    candidate: nodeId,
    term: int0,
    preVote: bool,
    granted: bool,
    reject: z
      .enum(['stale-term', 'in-lease', 'voted', 'log-behind', 'error', 'learner'], {
        error: expecting('one of stale-term, in-lease, voted, log-behind, error, learner'),
      })
      .optional(),
  }),
  send: event('send', { ...messageSummary, deliverAt: time.optional() }),
  recv: event('recv', { ...messageSummary, sentAt: time.optional() }),
  drop: event('drop', { ...messageSummary, reason: str, sentAt: time.optional() }),
  append: event('append', {
    group,
    entries: z.array(entrySummary, { error: expecting('array of entries') }),
  }),
  truncate: event('truncate', { group, from: int0 }),
  persist: event('persist', {
    group,
    entries: indexRange,
    term: int0,
    votedFor: nullableNode,
    commit: int0,
    snapshot: int0.nullable(),
  }),
  progress: event('progress', {
    group,
    peer: nodeId,
    next: int0,
    match: int0,
    state: z.enum(['probe', 'replicate', 'snapshot'], {
      error: expecting('one of probe, replicate, snapshot'),
    }),
    inflight: int0,
  }),
  commit: event('commit', { group, index: int0 }),
  apply: event('apply', {
    group,
    index: int0,
    term: int0,
    op: z.unknown(),
    result: z.unknown(),
    requestId: str.optional(),
  }),
  request: event('request', {
    group,
    requestId: str,
    kind: z.enum(['write', 'read'], { error: expecting('one of write, read') }),
    label: str,
  }),
  forward: event('forward', {
    group,
    requestId: str,
    to: nodeId,
    stage: z.enum(['send', 'recv', 'reply'], { error: expecting('one of send, recv, reply') }),
    error: str.optional(),
  }),
  propose: event('propose', { group, requestId: str, index: int0, term: int0 }),
  reply: event('reply', {
    group,
    requestId: str,
    ok: bool,
    error: str.optional(),
    indeterminate: bool.optional(),
    code: int0.optional(),
  }),
  'read-index': event('read-index', {
    group,
    ctx: str,
    index: intIndex,
    error: str.optional(),
    requestId: str.optional(),
    fallback: str.optional(),
  }),
  snapshot: event('snapshot', {
    group,
    index: int0,
    term: int0,
    stage: z.enum(['save', 'install', 'chunk', 'load'], {
      error: expecting('one of save, install, chunk, load'),
    }),
    chunk: int0.optional(),
    chunks: int0.optional(),
  }),
  'conf-change': event('conf-change', { group, phase: str, conf: confState, index: int0 }),
  'member-change': event('member-change', {
    group,
    op: z.enum(['add', 'remove'], { error: expecting('one of add, remove') }),
    peer: nodeId,
    attempt: int0,
    outcome: z.enum(['request', 'done', 'gave-up', 'refused', 'no-op'], {
      error: expecting('one of request, done, gave-up, refused, no-op'),
    }),
    error: str.optional(),
    detail: str.optional(),
  }),
  metadata: event('metadata', {
    group,
    leader: nullableNode,
    term: int0,
    members: nodeList,
    errMsg: z.string({ error: expecting('string or null') }).nullable(),
  }),
  transfer: event('transfer', {
    group,
    target: nodeId,
    outcome: z.enum(['start', 'abandoned', 'done', 'refused'], {
      error: expecting('one of start, abandoned, done, refused'),
    }),
    reason: str.optional(),
  }).refine((e) => (e.outcome === 'refused') === (e.reason !== undefined), {
    message: 'a refused transfer has a reason, and only a refused one',
    path: ['reason'],
  }),
  'step-down': event('step-down', { group, reason: str }),
  malformed: event('malformed', { group, from: nodeId, reason: str }),
  fault: faultSchema,
  clock: event('clock', {
    rate: z.number({ error: expecting('number') }).positive({ error: expecting('rate > 0') }),
    withinLeaseBound: bool,
    maxDrift: z.number({ error: expecting('number') }).nonnegative({ error: expecting('≥ 0') }),
  }),
  narrate: event('narrate', { text: str }),
  invoke: event('invoke', { ...history, label: str.optional() }),
  ok: event('ok', { ...history, result: z.unknown() }),
  fail: event('fail', { ...history, result: z.unknown() }),
  info: event('info', { ...history, result: z.unknown() }),
  violation: event('violation', { invariant: str, detail: str }),
  expect: event('expect', {
    that: str,
    passed: bool,
    detail: str,
  }),
} satisfies { [T in TraceEventType]: z.ZodType };

/** Every known event type, in events.ts order. */
export const TRACE_EVENT_TYPES = Object.keys(traceEventSchemas) as TraceEventType[];

type EventSchema = (typeof traceEventSchemas)[TraceEventType];

export const traceEventSchema = z.discriminatedUnion(
  'type',
  Object.values(traceEventSchemas) as [EventSchema, ...EventSchema[]],
);

// Compile-time checks that the schemas and the TS contract agree in both directions.
type Output = z.output<typeof traceEventSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _eventsAgree: Same<TraceEventType, Output['type']> = true;
const _eventFits = (e: TraceEvent): z.input<typeof traceEventSchema> => e;
const _headerFits = (h: TraceHeader): z.input<typeof traceHeaderSchema> => h;
const _headerBack = (h: z.output<typeof traceHeaderSchema>): TraceHeader => h;
void [_eventsAgree, _eventFits, _headerFits, _headerBack];
