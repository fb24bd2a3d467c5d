// Validation of everything a user passes to the console API (window.playground), done before
// any command acts: createCluster's options as one strict zod schema, and the checks of single
// arguments (node references, groups, numbers, booleans) that every other command runs first.
// Invariant: a value these checks accept can be acted on without a later type or range error,
// so a refused command never leaves the running cluster half torn down; nothing is coerced
// (a string is never taken for a number or a boolean).
// Pure: no browser globals, so the checks are unit-tested in Node (clusterOptions.test.ts).
import { z } from 'zod';
import { KNOWN_GROUPS } from '../cp/processors.ts';
import type { LinkPolicy } from '../net/policy.ts';
import type { TimingConfig } from '../node/types.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import {
  describeValue,
  expecting,
  formatPath,
  issuesToErrors,
  objectError,
  userFileParseOptions,
} from '../trace/schema.ts';

export const MAX_NODES = 9;
export const MIN_SPEED = 0.01;
export const MAX_SPEED = 10;
/** The default bound of the in-memory trace (events); older events are dropped beyond it. */
export const DEFAULT_TRACE_LIMIT = 300_000;
export const MIN_TRACE_LIMIT = 100;
export const MAX_TRACE_LIMIT = 5_000_000;

/** A problem with a console command or its arguments, worded for the user. */
export class ConsoleArgError extends Error {
  override name = 'ClusterError';
}

/** createCluster's options once validated: every field has its checked type. */
export interface ValidClusterOptions {
  nodes?: number;
  groups?: GroupId[];
  timing?: 'nacos' | 'lesson' | TimingConfig;
  seed?: number;
  clusterId?: string;
  durability?: 'strict' | 'relaxed';
  network?: Partial<LinkPolicy>;
  speed?: number;
  trace?: boolean;
  traceMessages?: boolean;
  keepTrace?: boolean;
  traceLimit?: number;
  readOnly?: 'safe' | 'lease';
  /** Nacos's behaviour (default) or the textbook's where they differ. */
  fidelity?: 'nacos' | 'textbook';
  snapshotIntervalEntries?: number;
  snapshotIntervalMs?: number;
  maxInflight?: number;
  maxEntriesPerMsg?: number;
}

function num(spec: { int?: boolean; min: number; max: number; above?: boolean }) {
  const kind = spec.int ? 'integer' : 'number';
  const error = expecting(`${kind} ${spec.above ? '>' : 'from'} ${spec.min} to ${spec.max}`);
  let s = z.number({ error });
  if (spec.int) s = s.int({ error });
  s = spec.above ? s.gt(spec.min, { error }) : s.gte(spec.min, { error });
  return s.lte(spec.max, { error });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const list = values.map((v) => `'${v}'`).join(' or ');
  return z.enum(values, { error: expecting(list) });
}

const bool = z.boolean({ error: expecting('true or false') });
const ms = num({ min: 0, max: 3_600_000 });
const ratio = num({ min: 0, max: 1 });

/**
 * A full timing object. The bounds keep a cluster that ticks and elects: a tick of at least 1 ms
 * (a timer cannot fire faster), an election timeout of several ticks (JRaft counts the election
 * timeout in ticks of its RepeatedTimer, so one shorter than a tick never fires).
 */
const timingObject = z
  .strictObject(
    {
      electionTimeoutMs: num({ min: 10, max: 600_000 }),
      maxElectionDelayMs: num({ min: 0, max: 600_000 }),
      tickMs: num({ min: 1, max: 60_000 }),
      profile: oneOf(['nacos', 'lesson']),
    },
    { error: objectError("'nacos', 'lesson' or a timing object") },
  )
  .refine((t) => t.electionTimeoutMs >= 2 * t.tickMs, {
    error: 'electionTimeoutMs must be at least two ticks (2 × tickMs)',
    path: ['electionTimeoutMs'],
  });

/**
 * The timing option's shape: a profile name, or an object checked on its own by timingObject
 * (a union would word an object's problems as "Invalid input" rather than name the field).
 */
const timing = z.union([z.literal('nacos'), z.literal('lesson'), z.looseObject({})], {
  error: expecting(
    "'nacos', 'lesson' or { electionTimeoutMs, maxElectionDelayMs, tickMs, profile }",
  ),
});

const delayRange = z
  .tuple([ms, ms], { error: expecting('[min, max] in ms') })
  .refine(([a, b]) => a <= b, { error: 'min must not exceed max' });

/** Network settings: LinkPolicy's names, or the console's short ones (delayMs, drop, duplicate). */
const network = z
  .strictObject(
    {
      delayMsMin: ms.optional(),
      delayMsMax: ms.optional(),
      dropRatio: ratio.optional(),
      duplicateRatio: ratio.optional(),
      delayMs: delayRange.optional(),
      drop: ratio.optional(),
      duplicate: ratio.optional(),
    },
    { error: objectError('object like { delayMs: [1, 10], drop: 0, duplicate: 0 }') },
  )
  .refine((n) => !(n.delayMs !== undefined && (n.delayMsMin ?? n.delayMsMax) !== undefined), {
    error: 'give delayMs or delayMsMin/delayMsMax, not both',
  })
  .refine((n) => !(n.drop !== undefined && n.dropRatio !== undefined), {
    error: 'give drop or dropRatio, not both',
  })
  .refine((n) => !(n.duplicate !== undefined && n.duplicateRatio !== undefined), {
    error: 'give duplicate or duplicateRatio, not both',
  })
  .refine((n) => (n.delayMsMin ?? 0) <= (n.delayMsMax ?? Infinity), {
    error: 'delayMsMin must not exceed delayMsMax',
  });

const groupName = z.string({ error: expecting('a group name') }).superRefine((g, ctx) => {
  if (!KNOWN_GROUPS.includes(g)) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown group "${g}" (known: ${KNOWN_GROUPS.join(', ')})`,
    });
  }
});

/** A cluster id names databases (`raft-playground/<id>/<node>`): no slash, short. */
export const CLUSTER_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export const clusterOptionsSchema = z.strictObject(
  {
    nodes: num({ int: true, min: 1, max: MAX_NODES }).optional(),
    groups: z
      .array(groupName, { error: expecting('an array of group names') })
      .min(1, { error: 'a cluster runs at least one group' })
      .refine((gs) => new Set(gs).size === gs.length, { error: 'a group is listed twice' })
      .optional(),
    timing: timing.optional(),
    seed: num({ int: true, min: 0, max: 2 ** 32 - 1 }).optional(),
    clusterId: z
      .string({ error: expecting('a string') })
      .regex(CLUSTER_ID_RE, { error: expecting('1 to 64 letters, digits, "-" or "_"') })
      .optional(),
    durability: oneOf(['strict', 'relaxed']).optional(),
    network: network.optional(),
    speed: num({ min: MIN_SPEED, max: MAX_SPEED }).optional(),
    trace: bool.optional(),
    traceMessages: bool.optional(),
    keepTrace: bool.optional(),
    traceLimit: num({ int: true, min: MIN_TRACE_LIMIT, max: MAX_TRACE_LIMIT }).optional(),
    readOnly: oneOf(['safe', 'lease']).optional(),
    fidelity: oneOf(['nacos', 'textbook']).optional(),
    snapshotIntervalEntries: num({ int: true, min: 0, max: 1e9 }).optional(),
    snapshotIntervalMs: num({ min: 0, max: 1e9 }).optional(),
    maxInflight: num({ int: true, min: 1, max: 100_000 }).optional(),
    maxEntriesPerMsg: num({ int: true, min: 1, max: 1_000_000 }).optional(),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type'
        ? `options must be an object like { nodes: 5, timing: 'lesson' }, got ${describeValue(iss.input)}`
        : undefined,
  },
);

/** LinkPolicy fields from either spelling of the network settings. */
export function linkChange(n: z.output<typeof network>): Partial<LinkPolicy> {
  const out: Partial<LinkPolicy> = {};
  if (n.delayMs !== undefined) [out.delayMsMin, out.delayMsMax] = n.delayMs;
  if (n.delayMsMin !== undefined) out.delayMsMin = n.delayMsMin;
  if (n.delayMsMax !== undefined) out.delayMsMax = n.delayMsMax;
  const drop = n.drop ?? n.dropRatio;
  if (drop !== undefined) out.dropRatio = drop;
  const dup = n.duplicate ?? n.duplicateRatio;
  if (dup !== undefined) out.duplicateRatio = dup;
  return out;
}

/** Errors as `<command>: <option path>: <message>` lines. */
function errorsOf(command: string, issues: readonly z.core.$ZodIssue[]): string[] {
  return issuesToErrors(issues).map((e) =>
    e.path.length === 0
      ? `${command}: ${e.message}`
      : `${command}: ${formatPath(e.path)}: ${e.message}`,
  );
}

const parseOptions = userFileParseOptions();

/**
 * Validate createCluster's (or runScenario's) options; `undefined` means none. Throws a
 * ConsoleArgError listing every problem, each naming its option.
 */
export function parseClusterOptions(
  input: unknown,
  command = 'createCluster',
): ValidClusterOptions {
  if (input === undefined) return {};
  const r = clusterOptionsSchema.safeParse(input, parseOptions);
  const errors = r.success ? [] : errorsOf(command, r.error.issues);
  const t = (input as { timing?: unknown } | null)?.timing;
  let timingValue: TimingConfig | undefined;
  if (typeof t === 'object' && t !== null) {
    const tr = timingObject.safeParse(t, parseOptions);
    if (tr.success) timingValue = tr.data;
    else
      errors.push(
        ...errorsOf(
          command,
          tr.error.issues.map((iss) => ({ ...iss, path: ['timing', ...iss.path] })),
        ),
      );
  }
  if (!r.success || errors.length > 0) throw new ConsoleArgError(errors.join('\n'));
  const { network: net, timing: tm, ...rest } = r.data;
  return {
    ...rest,
    ...(tm !== undefined ? { timing: timingValue ?? (tm as 'nacos' | 'lesson') } : {}),
    ...(net !== undefined ? { network: linkChange(net) } : {}),
  };
}

/** Validate network settings given to playground.network(). */
export function parseNetworkSettings(input: unknown): Partial<LinkPolicy> {
  const r = network.safeParse(input, parseOptions);
  if (!r.success) throw new ConsoleArgError(errorsOf('network', r.error.issues).join('\n'));
  return linkChange(r.data);
}

// ───────────────────────────── single arguments ─────────────────────────────

/** Where an argument goes wrong: `speed: expected a number from 0.01 to 10, got "2"`. */
function fail(where: string, what: string, got: unknown): never {
  throw new ConsoleArgError(`${where}: expected ${what}, got ${describeValue(got)}`);
}

export const NODE_ID_RE = /^n[1-9][0-9]*$/;
const NODE_REF_RE = /^@(leader|follower):(.+)$/;

/**
 * A node argument: an id of this cluster ("n2") or a reference ("@leader:<group>",
 * "@follower:<group>") naming one of its groups. Returns it unchanged; the caller resolves it.
 */
export function checkNodeRef(
  where: string,
  value: unknown,
  nodeIds: readonly NodeId[],
  groups: readonly GroupId[],
  allowRefs = true,
): string {
  const what = allowRefs
    ? `a node id (${nodeIds.join(', ')}) or "@leader:<group>" / "@follower:<group>"`
    : `a node id (${nodeIds.join(', ')})`;
  if (typeof value !== 'string') fail(where, what, value);
  if (NODE_ID_RE.test(value)) {
    if (!nodeIds.includes(value)) {
      throw new ConsoleArgError(`${where}: unknown node "${value}" (nodes: ${nodeIds.join(', ')})`);
    }
    return value;
  }
  const ref = NODE_REF_RE.exec(value);
  if (ref === null || !allowRefs) fail(where, what, value);
  checkGroup(where, ref[2], groups);
  return value;
}

/** A group of this cluster. */
export function checkGroup(where: string, value: unknown, groups: readonly GroupId[]): GroupId {
  if (typeof value !== 'string') fail(where, `a group name (${groups.join(', ')})`, value);
  if (!groups.includes(value)) {
    throw new ConsoleArgError(
      `${where}: unknown group "${value}" (this cluster runs ${groups.join(', ')})`,
    );
  }
  return value;
}

export function checkBoolean(where: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(where, 'true or false', value);
  return value;
}

export function checkNumber(
  where: string,
  value: unknown,
  min: number,
  max: number,
  opts: { int?: boolean; above?: boolean } = {},
): number {
  const what = `${opts.int ? 'an integer' : 'a number'} ${opts.above ? 'above' : 'from'} ${min} to ${max}`;
  if (typeof value !== 'number' || Number.isNaN(value)) fail(where, what, value);
  if (opts.int && !Number.isInteger(value)) fail(where, what, value);
  if ((opts.above ? value <= min : value < min) || value > max) fail(where, what, value);
  return value;
}

export function checkOneOf<T extends string>(
  where: string,
  value: unknown,
  values: readonly T[],
): T {
  if (typeof value !== 'string' || !values.includes(value as T)) {
    fail(where, values.map((v) => `'${v}'`).join(' or '), value);
  }
  return value as T;
}

/**
 * A client operation or query: a plain object that survives JSON, as a trace records it. A
 * missing or misspelled field is left for the node to refuse (as Nacos does); a value that JSON
 * cannot carry (a function, a BigInt, a cycle) would make the exported trace unreadable.
 */
export function checkPayload(where: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(where, "an object like { type: 'publish', dataId: 'a', content: 'v1' }", value);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new ConsoleArgError(
      `${where}: cannot be written as JSON (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (json === undefined) fail(where, 'an object that JSON can carry', value);
  return value as Record<string, unknown>;
}

/** No argument expected (a stray one is a sign the user meant another command). */
export function checkNoArgs(where: string, args: readonly unknown[]): void {
  if (args.length > 0) {
    throw new ConsoleArgError(`${where}: takes no arguments, got ${describeValue(args[0])}`);
  }
}
