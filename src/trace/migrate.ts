// Upgrades of older trace files to the current version (events.ts), run by importTrace before
// validation. Each step takes the raw JSON of one version to the next; a file walks the steps
// from its own version up. Invariant: a valid file of an older version becomes a valid file of
// the current version that says what it came from (`migratedFrom`, and a note for anything the
// old version did not record); nothing is invented silently, and a version with no path is
// refused by name.
import type { FaultKind } from './events.ts';
import { TRACE_VERSION } from './events.ts';

/** The versions importTrace reads: every one with a migration path, and the current one. */
export const READABLE_VERSIONS: readonly number[] = [1, TRACE_VERSION];

export type Migrated = { ok: true; value: unknown } | { ok: false; message: string };

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The refusal for a version with no migration path, naming what is readable. */
export function unsupportedVersion(version: unknown): string {
  const got = JSON.stringify(version) ?? 'nothing';
  return `unsupported version ${got} (this playground reads versions ${READABLE_VERSIONS.join(' and ')})`;
}

/**
 * The header of a file of `header.version` upgraded to the current version, or why not. A
 * current header is returned as it is (the schema checks it next).
 */
export function migrateHeader(header: Rec): Migrated {
  const version = header.version;
  if (version === TRACE_VERSION) return { ok: true, value: header };
  if (version === 1) return { ok: true, value: headerV1toV2(header) };
  return { ok: false, message: unsupportedVersion(version) };
}

/** One event of a file written in version `from`, upgraded to the current version. */
export function migrateEvent(from: number, event: unknown): Migrated {
  // What is not an object is left for the schema to word.
  if (from === TRACE_VERSION || !isRec(event)) return { ok: true, value: event };
  if (from === 1) return eventV1toV2(event);
  return { ok: false, message: unsupportedVersion(from) };
}

// ───────────────────────────────────────── v1 → v2 ─────────────────────────────────────────

/**
 * v1 headers had `cluster` {nodes, groups, ...} with the host's own extras (`timing` as the node's
 * TimingConfig, `runtime: 'browser'`, `profile`), and no engine, app version, network or initial
 * state. The engine is read from `runtime`; the Raft profile from `timing` when it is there
 * (read mode and heartbeat were not recorded: the defaults, said in a note).
 */
function headerV1toV2(h: Rec): Rec {
  const cluster = isRec(h.cluster) ? { ...h.cluster } : {};
  const notes = Array.isArray(h.notes) ? [...(h.notes as unknown[])] : [];
  const engine = cluster.runtime === 'browser' ? 'live' : 'cli';
  delete cluster.runtime;
  let raft: Rec | null = null;
  const timing = cluster.timing;
  if (
    isRec(timing) &&
    typeof timing.electionTimeoutMs === 'number' &&
    typeof timing.maxElectionDelayMs === 'number' &&
    typeof timing.tickMs === 'number'
  ) {
    raft = {
      profile: typeof timing.profile === 'string' ? timing.profile : 'nacos',
      electionTimeoutMs: timing.electionTimeoutMs,
      maxElectionDelayMs: timing.maxElectionDelayMs,
      heartbeatMs: timing.electionTimeoutMs / 10,
      tickMs: timing.tickMs,
      readOnly: 'safe',
    };
    delete cluster.timing;
    notes.push(
      'migrated from trace version 1: raft.heartbeatMs and raft.readOnly were not recorded; ' +
        'shown as the defaults (a tenth of the election timeout, safe reads)',
    );
  } else {
    notes.push('migrated from trace version 1: the Raft timing profile was not recorded');
  }
  const out: Rec = {
    ...h,
    version: TRACE_VERSION,
    engine,
    appVersion: 'unknown (trace version 1)',
    cluster: { ...cluster, raft, network: null },
    initial: null,
    notes,
    migratedFrom: 1,
  };
  return out;
}

/** The v1 host faults whose detail maps field by field onto the v2 fault's fields. */
const FAULT_FIELDS: Partial<Record<FaultKind, readonly string[]>> = {
  crash: ['lostWrites', 'reason'],
  resume: ['held'],
  skew: ['rate'],
  partition: ['sides'],
  cut: ['from', 'to'],
  link: ['from', 'to'],
  'add-node': ['members'],
  'remove-node': ['askedOf'],
  'transfer-leader': ['group', 'to'],
  snapshot: ['group'],
  'fail-apply': ['group'],
  'corrupt-snapshot': ['group'],
  speed: ['speed'],
  durability: ['durability'],
  'worker-error': ['message'],
  'node-error': ['kind', 'message'],
  'step-error': ['step', 'message'],
};

const PLAIN_FAULTS: readonly string[] = [
  'restart',
  'pause',
  'heal',
  'pause-cluster',
  'resume-cluster',
  'removed',
];

const LINK_FIELDS = ['delayMsMin', 'delayMsMax', 'dropRatio', 'duplicateRatio'] as const;

/**
 * v1 events are v2 events except `fault`, which was {fault: string, detail?: unknown}: host
 * faults become the typed union (the affected node, which the browser put in detail.node, moves
 * to the event's `node`), and the node's own reports (transfer-*, step-down, malformed-message)
 * become their v2 event types. Messages keep their v1 summary: the fields v1 did not record are
 * absent, which v2 allows.
 */
function eventV1toV2(e: Rec): Migrated {
  if (e.type !== 'fault') return { ok: true, value: e };
  const kind = e.fault;
  const d: Rec = isRec(e.detail) ? e.detail : {};
  const stamp: Rec = { seq: e.seq, t: e.t, node: e.node };
  if (typeof d.node === 'string') stamp.node = d.node;
  if (typeof kind !== 'string') return { ok: false, message: 'fault: expected a string' };
  if (kind.startsWith('transfer-') && kind !== 'transfer-leader') {
    const outcome = kind.slice('transfer-'.length);
    return {
      ok: true,
      value: {
        seq: e.seq,
        t: e.t,
        node: e.node,
        type: 'transfer',
        group: d.group,
        target: d.target,
        outcome,
      },
    };
  }
  if (kind === 'step-down') {
    return {
      ok: true,
      value: {
        seq: e.seq,
        t: e.t,
        node: e.node,
        type: 'step-down',
        group: d.group,
        reason: d.reason,
      },
    };
  }
  if (kind === 'malformed-message') {
    return {
      ok: true,
      value: {
        seq: e.seq,
        t: e.t,
        node: e.node,
        type: 'malformed',
        group: d.group,
        from: d.from,
        reason: d.reason,
      },
    };
  }
  const out: Rec = { ...stamp, type: 'fault', fault: kind };
  if (PLAIN_FAULTS.includes(kind)) return { ok: true, value: out };
  if (kind === 'hold') return { ok: true, value: { ...out, on: d.hold } };
  if (kind === 'network') {
    const change: Rec = {};
    for (const f of LINK_FIELDS) if (d[f] !== undefined) change[f] = d[f];
    out.change = change;
    if (d.from !== undefined) out.from = d.from;
    if (d.to !== undefined) out.to = d.to;
    return { ok: true, value: out };
  }
  const fields = FAULT_FIELDS[kind as FaultKind];
  if (fields === undefined) {
    return {
      ok: false,
      message: `fault: "${kind}" of trace version 1 has no version 2 equivalent`,
    };
  }
  for (const f of fields) if (d[f] !== undefined) out[f] = d[f];
  return { ok: true, value: out };
}
