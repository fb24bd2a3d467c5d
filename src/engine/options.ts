// Validation of the options of useEngine('simulated' | 'replay', options): strict zod schemas, so
// an unknown or mistyped option is refused with its path before any engine is replaced, as the
// rest of the console API does (src/runtime/clusterOptions.ts). Pure: no browser globals.
import { z } from 'zod';
import { KNOWN_GROUPS } from '../cp/processors.ts';
import {
  ConsoleArgError,
  MAX_NODES,
  MAX_SPEED,
  MIN_SPEED,
  parseNetworkSettings,
} from '../runtime/clusterOptions.ts';
import {
  describeValue,
  expecting,
  formatPath,
  issuesToErrors,
  userFileParseOptions,
} from '../trace/schema.ts';
import type { SimEngineOptions } from './simHost.ts';
import { parseScenario, type Scenario } from '../scenario/format.ts';
import { linkPolicy } from '../scenario/setup.ts';

const speed = z.union([z.number().gte(MIN_SPEED).lte(MAX_SPEED), z.literal('max')], {
  error: expecting(`a number from ${MIN_SPEED} to ${MAX_SPEED}, or 'max'`),
});

const int = (min: number, max: number) =>
  z
    .number({ error: expecting(`an integer from ${min} to ${max}`) })
    .int({ error: expecting(`an integer from ${min} to ${max}`) })
    .gte(min, { error: expecting(`an integer from ${min} to ${max}`) })
    .lte(max, { error: expecting(`an integer from ${min} to ${max}`) });

const groupName = z
  .string({ error: expecting('a group name') })
  .refine((g) => KNOWN_GROUPS.includes(g), {
    error: (iss) => `unknown group ${describeValue(iss.input)} (known: ${KNOWN_GROUPS.join(', ')})`,
  });

const objectOnly = (example: string) => ({
  error: (iss: { code?: string; input?: unknown }) =>
    iss.code === 'invalid_type'
      ? `options must be an object like ${example}, got ${describeValue(iss.input)}`
      : undefined,
});

export const simulatedOptionsSchema = z.strictObject(
  {
    seed: int(0, 2 ** 32 - 1).optional(),
    nodes: int(1, MAX_NODES).optional(),
    groups: z
      .array(groupName, { error: expecting('an array of group names') })
      .min(1, { error: 'a cluster runs at least one group' })
      .refine((gs) => new Set(gs).size === gs.length, { error: 'a group is listed twice' })
      .optional(),
    timing: z.enum(['nacos', 'lesson'], { error: expecting("'nacos' or 'lesson'") }).optional(),
    // Checked by parseNetworkSettings below, which names its fields the way network() does.
    network: z.unknown().optional(),
    readOnly: z.enum(['safe', 'lease'], { error: expecting("'safe' or 'lease'") }).optional(),
    fidelity: z
      .enum(['nacos', 'textbook'], { error: expecting("'nacos' or 'textbook'") })
      .optional(),
    snapshotIntervalEntries: int(0, 1e9).optional(),
    speed: speed.optional(),
    // Pause by itself on reaching this virtual time (a lesson runs at full speed to its end).
    pauseAtMs: int(0, 1e9).optional(),
    // A scenario file's parsed JSON, checked by parseScenario below (the file format's rules).
    scenario: z.unknown().optional(),
  },
  objectOnly("{ seed: 42, nodes: 5, timing: 'lesson', speed: 'max' }"),
);

export const replayOptionsSchema = z.strictObject(
  { speed: speed.optional() },
  objectOnly('{ speed: 2 }'),
);

const parseOptions = userFileParseOptions();

function errorsOf(command: string, issues: readonly z.core.$ZodIssue[]): string {
  return issuesToErrors(issues)
    .map((e) =>
      e.path.length === 0
        ? `${command}: ${e.message}`
        : `${command}: ${formatPath(e.path)}: ${e.message}`,
    )
    .join('\n');
}

/** The simulated engine's options with every default filled in; throws a ConsoleArgError. */
export function parseSimulatedOptions(
  input: unknown,
  command = "useEngine('simulated')",
): SimEngineOptions {
  const r = simulatedOptionsSchema.safeParse(input ?? {}, parseOptions);
  if (!r.success) throw new ConsoleArgError(errorsOf(command, r.error.issues));
  let network = {};
  if (r.data.network !== undefined) {
    try {
      network = parseNetworkSettings(r.data.network);
    } catch (err) {
      throw new ConsoleArgError(`${command}: ${(err as Error).message}`);
    }
  }
  let scenario: Scenario | undefined;
  if (r.data.scenario !== undefined) {
    const given = Object.keys(r.data).filter(
      (k) => !['scenario', 'speed', 'pauseAtMs', 'snapshotIntervalEntries'].includes(k),
    );
    if (given.length > 0) {
      throw new ConsoleArgError(
        `${command}: ${given.join(', ')}: not allowed with scenario (the scenario sets them)`,
      );
    }
    const parsed = parseScenario(r.data.scenario);
    if (!parsed.ok) {
      throw new ConsoleArgError(parsed.errors.map((e) => `${command}: scenario: ${e}`).join('\n'));
    }
    scenario = parsed.scenario;
    const c = scenario.cluster;
    return {
      seed: scenario.seed,
      nodes: c.nodes,
      groups: [...c.groups],
      timing: c.raft?.profile ?? 'nacos',
      network: linkPolicy(c.network ?? {}),
      readOnly: c.raft?.readOnly ?? 'safe',
      snapshotIntervalEntries: r.data.snapshotIntervalEntries ?? 0,
      speed: r.data.speed ?? 1,
      ...(r.data.pauseAtMs !== undefined ? { pauseAtMs: r.data.pauseAtMs } : {}),
      scenario,
    };
  }
  return {
    seed: r.data.seed ?? 1,
    nodes: r.data.nodes ?? 3,
    groups: r.data.groups ?? ['nacos_config'],
    timing: r.data.timing ?? 'lesson',
    network,
    readOnly: r.data.readOnly ?? 'safe',
    fidelity: r.data.fidelity ?? 'nacos',
    snapshotIntervalEntries: r.data.snapshotIntervalEntries ?? 0,
    speed: r.data.speed ?? 1,
    ...(r.data.pauseAtMs !== undefined ? { pauseAtMs: r.data.pauseAtMs } : {}),
  };
}

export interface ReplayOptions {
  speed: number | 'max';
}

export function parseReplayOptions(input: unknown, command = "useEngine('replay')"): ReplayOptions {
  const r = replayOptionsSchema.safeParse(input ?? {}, parseOptions);
  if (!r.success) throw new ConsoleArgError(errorsOf(command, r.error.issues));
  return { speed: r.data.speed ?? 1 };
}
