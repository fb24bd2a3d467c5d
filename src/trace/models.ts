// Sequential specifications for the linearizability checker (linearizability.ts): one Model per
// Raft group, each describing one key's state, how an operation changes it, and which outputs
// that operation may legally return. The models also own the contract for the client history
// events the simulator's client generator records (events.ts `invoke`/`ok`/`fail`/`info`): which
// `op` strings exist, what `value` carries and what `result` an `ok` event carries. `fail` and
// `info` results are never read (a failed op is dropped, an info op's outcome is unknown).
//
// Group `nacos_config` (CONFIG_STORE_GROUP), key = configKey(dataId, group, tenant):
//   op        value                                  result of `ok`
//   'put'     content: string                        anything (Nacos answers the md5; unchecked)
//   'get'     null                                   { found: false }
//                                                    | { found: true, content: string, md5?: string }
//   'cas'     { content: string, casMd5: string }    boolean: true = published, false = md5 conflict
//             (Nacos 2.2.4's insertOrUpdateCas: a blank casMd5 is a plain publish; a
//             non-blank one inserts an absent item whatever md5 it expects, and updates a
//             present one only when its md5 is the expected one)
//   'remove'  null                                   boolean (whether an item existed) or null
//                                                    (not reported; then any answer is accepted)
//
// Group `naming_persistent_service_v2` (INSTANCE_REGISTRY_GROUP), key = the service name:
//   op            value                              result of `ok`
//   'register'    instance: string ('ip:port')       anything (re-registering is an update)
//   'deregister'  instance: string                   anything (deregistering an absent one is fine)
//   'list'        null                               string[] (the instances, any order)
//
// Invariant: a model is a pure function of its inputs. step() never mutates a state, accepts any
// input with an unknown output (undefined, from an `info` event) and then applies the operation
// as if it took effect, so an `info` op linearized last is the same as one that never ran.
import { md5 } from 'js-md5';
import { CONFIG_GROUP, NAMING_PERSISTENT_GROUP, NAMING_PERSISTENT_V1_GROUP } from '../cp/groups.ts';
import { isBlank } from '../cp/configStore.ts';

/** How a client operation ended, as the history records it. */
export type Outcome = 'ok' | 'info' | 'fail';

/** A history event's op, value and result turned into a model's typed input and output. */
export interface ParsedOperation<I, O> {
  input: I;
  /** Undefined unless the outcome is `ok`. */
  output: O | undefined;
}

/**
 * A sequential specification of one key. States are immutable values; `equal` and `hash` let the
 * checker memoize (linearized set, state) pairs, so equal states must hash equally.
 */
export interface Model<S, I, O> {
  readonly name: string;
  init(): S;
  /**
   * Apply `input` to `state`. Returns [false, state] when `output` could not have been answered
   * from `state`; with `output` undefined (outcome unknown) it must return [true, next].
   */
  step(state: S, input: I, output: O | undefined): [ok: boolean, next: S];
  equal(a: S, b: S): boolean;
  /** A 32-bit integer; equal states give equal hashes. */
  hash(state: S): number;
  /**
   * True when step(state, input, output) leaves every state it accepts unchanged; `output` may
   * be undefined (unknown). Such an op of unknown outcome is dropped, and a completed one that
   * fits is linearized at once, without trying alternatives.
   */
  readOnly(input: I, output: O | undefined): boolean;
  /**
   * True when step(state, input, output) accepts every state and leaves one that does not
   * depend on it (a blind write); `output` may be undefined (unknown). The search never tries
   * such an op right after an op of unknown outcome, whose effect it would erase.
   */
  overwrites(input: I, output: O | undefined): boolean;
  /**
   * Symmetry classes among the ops of unknown outcome of one key's history (`ops`; output
   * undefined when unknown): two with the same non-null class change every state alike, up to
   * values no op of `ops` can tell apart. The search then uses the ops of a class in call order
   * only. One entry per op; null leaves an op out (always, for ops with a known output).
   */
  unknownEffectClasses(ops: readonly { input: I; output: O | undefined }[]): (string | null)[];
  /**
   * Optional, for the same ops: per op of unknown outcome u, null or the name of a class K
   * (one unknownEffectClasses gives, of other ops) that absorbs u: wherever a linearization
   * needs an op of K, u does there what that op does; and in a state that both u and an op of
   * K change, they change it alike. The search then does not try u in a state that K's next
   * unused op, tried there too, changes. A class whose ops are absorbed absorbs nothing.
   */
  unknownEffectAbsorbers?(ops: readonly { input: I; output: O | undefined }[]): (string | null)[];
  /**
   * For an op of unknown outcome: null, or a guard g such that the op is never needed in a
   * state whose guard(state) is neither g nor null: it leaves the state unchanged, or any
   * linearization that uses it there has a counterpart with fewer ops of unknown outcome that
   * does not. The search then never tries the op in such a state. Ops of one class share a
   * guard.
   */
  effectGuard(input: I): string | null;
  /**
   * For an op of unknown outcome u (`info`, output unknown) tried at `state` and a completed op
   * c (`input`, `output`) that could come next: false only when u is never needed in a run of
   * ops of unknown outcome right before c, because any such run that holds u here and makes c
   * fit still makes c fit, and leaves the same state after c, once u is left out of it (u is
   * then linearized last, or never). True is always safe; false saves the search from trying u.
   */
  mayEnable(state: S, info: I, input: I, output: O | undefined): boolean;
  /**
   * The guard of a state (see effectGuard); equal states have equal guards. Null: ops of any
   * guard may be needed in it (the search then walks every guard's ops, but those absorbed).
   */
  guard(state: S): string | null;
  /** Validate a history event against the contract above; a string is the error. */
  parse(
    op: string,
    value: unknown,
    result: unknown,
    outcome: Outcome,
  ): ParsedOperation<I, O> | string;
  describeOperation(input: I, output: O | undefined): string;
  describeState(state: S): string;
  /**
   * Optional, for a group one request of which may touch several keys (a batch): the call's
   * per-key parts, each checked in its own key's history with the call's times and outcome
   * (history.ts). Undefined for a call of one key; a string is the error. Checking each key's
   * projection of an atomic batch is weaker than checking the batch, never stricter.
   */
  splitCall?(
    op: string,
    value: unknown,
    result: unknown,
    outcome: Outcome,
  ): KeyPart[] | string | undefined;
  /**
   * Optional: the model the search uses for one key's operations (`ops`, output undefined when
   * unknown). It must accept exactly the same linearizations as this model, but may use what it
   * knows of the ops: hold equal the states no op of `ops` can tell apart (equal and hash), and
   * name classes and guards from them.
   */
  forKey?(ops: readonly KeyOperation<I, O>[]): Model<S, I, O>;
}

/** What Model.forKey reads of an operation (a history.ts Operation has these fields). */
export interface KeyOperation<I, O> {
  input: I;
  /** Undefined when the outcome is unknown. */
  output: O | undefined;
  call: number;
  /** Infinity when the outcome is unknown. */
  return: number;
}

/** One key's part of a history call over several keys (Model.splitCall). */
export interface KeyPart {
  key: string;
  op: string;
  value: unknown;
  result: unknown;
}

/** A model of any types; method parameters are bivariant, so every Model<S, I, O> fits. */
export type AnyModel = Model<unknown, unknown, unknown>;

// The models' names for the two groups they check (names spelled once, in src/cp/groups.ts).
export const CONFIG_STORE_GROUP = CONFIG_GROUP;
export const INSTANCE_REGISTRY_GROUP = NAMING_PERSISTENT_GROUP;
export const CONFIG_DEFAULT_GROUP = 'DEFAULT_GROUP';

/** 32-bit FNV-1a over UTF-16 code units. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function show(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length <= 60 ? json : `${json.slice(0, 57)}...`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Config store (nacos_config)
// ---------------------------------------------------------------------------------------------

export type ConfigOp = 'put' | 'get' | 'cas' | 'remove';
export const CONFIG_OPS: readonly ConfigOp[] = ['put', 'get', 'cas', 'remove'];

/** The `value` of a history event, per config op. */
export interface ConfigValue {
  put: string;
  get: null;
  cas: { content: string; casMd5: string };
  remove: null;
}

export type ConfigGetResult = { found: false } | { found: true; content: string; md5?: string };

/** The `result` of an `ok` history event, per config op. */
export interface ConfigResult {
  put: unknown;
  get: ConfigGetResult;
  cas: boolean;
  remove: boolean | null;
}

export type ConfigInput =
  | { op: 'put'; content: string }
  | { op: 'get' }
  | { op: 'cas'; content: string; casMd5: string }
  | { op: 'remove' };

export type ConfigOutput =
  | { op: 'put' }
  | { op: 'get'; found: false }
  | { op: 'get'; found: true; content: string }
  | { op: 'cas'; success: boolean }
  | { op: 'remove'; existed: boolean | null };

/** One config item's content, or null while it is absent. */
export type ConfigState = string | null;

/** The history key of a config item, the same triple the config store keys by. */
export function configKey(dataId: string, group = CONFIG_DEFAULT_GROUP, tenant = ''): string {
  return `${dataId}/${group}/${tenant}`;
}

/** The md5 the config store keeps for a content, in lowercase hex (what `casMd5` compares to). */
export function contentMd5(content: string): string {
  return md5(content);
}

function parseConfig(
  op: string,
  value: unknown,
  result: unknown,
  outcome: Outcome,
): ParsedOperation<ConfigInput, ConfigOutput> | string {
  const known = outcome === 'ok';
  switch (op) {
    case 'put':
      if (typeof value !== 'string')
        return `put: value must be the content string, got ${show(value)}`;
      return { input: { op, content: value }, output: known ? { op } : undefined };
    case 'get': {
      if (!known) return { input: { op }, output: undefined };
      if (!isRecord(result) || typeof result.found !== 'boolean') {
        return `get: result must be {found: false} or {found: true, content}, got ${show(result)}`;
      }
      if (!result.found) return { input: { op }, output: { op, found: false } };
      if (typeof result.content !== 'string') {
        return `get: result.content must be a string when found, got ${show(result.content)}`;
      }
      return { input: { op }, output: { op, found: true, content: result.content } };
    }
    case 'cas': {
      if (
        !isRecord(value) ||
        typeof value.content !== 'string' ||
        typeof value.casMd5 !== 'string'
      ) {
        return `cas: value must be {content: string, casMd5: string}, got ${show(value)}`;
      }
      // A blank md5 (Nacos's StringUtils.isBlank) makes the publish a plain one: '' from here.
      const casMd5 = isBlank(value.casMd5) ? '' : value.casMd5;
      const input: ConfigInput = { op, content: value.content, casMd5 };
      if (!known) return { input, output: undefined };
      if (typeof result !== 'boolean') {
        return `cas: result must be a boolean (true = published), got ${show(result)}`;
      }
      return { input, output: { op, success: result } };
    }
    case 'remove': {
      if (!known) return { input: { op }, output: undefined };
      if (typeof result !== 'boolean' && result !== null && result !== undefined) {
        return `remove: result must be a boolean (whether it existed) or null, got ${show(result)}`;
      }
      return {
        input: { op },
        output: { op, existed: typeof result === 'boolean' ? result : null },
      };
    }
    default:
      return `unknown config op "${op}" (expected one of ${CONFIG_OPS.join(', ')})`;
  }
}

/** How a CAS's expected md5 reads in an operation's description. */
function casExpectation(casMd5: string): string {
  return casMd5 === '' ? 'no md5: publish' : `md5 ${casMd5}`;
}

function describeContent(state: ConfigState): string {
  return state === null ? 'absent' : show(state);
}

/**
 * What one key's history can tell apart about contents (see configStoreModel's forKey): a
 * content is seen when some completed get returns it or some CAS expects its md5. Unseen
 * contents are told apart by no op of the key: a get never returns one and a CAS never matches
 * one, so a state holding one is "present, matching nothing", whichever it is.
 */
interface ConfigKnowledge {
  /** Contents some completed get returned. */
  read: Set<string>;
  /** The non-empty md5s some CAS expects. */
  expected: Set<string>;
  /** Per md5: the latest return of a completed CAS expecting it that answered a conflict. */
  conflictReturn: Map<string, number>;
  /** Per CAS input (md5 and content): the earliest call of an op of unknown outcome with it. */
  firstCall: Map<string, number>;
}

const casInputKey = (casMd5: string, content: string): string => `${casMd5}\n${content}`;

function configKnowledge(ops: readonly KeyOperation<ConfigInput, ConfigOutput>[]): ConfigKnowledge {
  const read = new Set<string>();
  const expected = new Set<string>();
  const conflictReturn = new Map<string, number>();
  const firstCall = new Map<string, number>();
  for (const { input, output, call, return: ret } of ops) {
    if (output?.op === 'get' && output.found) read.add(output.content);
    if (input.op !== 'cas' || input.casMd5 === '') continue;
    expected.add(input.casMd5);
    if (output?.op === 'cas' && !output.success) {
      conflictReturn.set(input.casMd5, Math.max(ret, conflictReturn.get(input.casMd5) ?? ret));
    } else if (output === undefined) {
      const k = casInputKey(input.casMd5, input.content);
      firstCall.set(k, Math.min(call, firstCall.get(k) ?? call));
    }
  }
  return { read, expected, conflictReturn, firstCall };
}

/** The class of the CASes of unknown outcome only ever needed to insert an unseen content. */
const INSERT_UNSEEN = 'insert (unseen)';
/** The guard of the "insert (unseen)" class; no state has it (the absent state has none). */
const INSERT_GUARD = 'absent';
/** The guard of every unseen content (no CAS expects one: no guarded op changes it). */
const UNSEEN_GUARD = 'unseen';
/** A hash shared by every content no get returned (unseen ones among them hash equally). */
const UNREAD_HASH = 0x5bd1e995;
const ABSENT_HASH = 0x9e3779b9;

/**
 * The config store of one item. A CAS with a non-blank expected md5 inserts an absent item
 * (whatever md5 it expects) and updates a present one only when its md5 is the expected one;
 * a CAS with a blank md5 ('' once parsed) is a plain publish (Nacos 2.2.4's insertOrUpdateCas
 * and ConfigPublishRequestHandler). Each model keeps its own md5 memo, since a CAS step compares
 * md5s and the search may step the same content many times.
 *
 * The model itself makes no assumption about a key's history. forKey(ops) gives the one the
 * search uses for a key, which knows which contents the key's ops can tell apart (see
 * ConfigKnowledge) and so:
 * - holds all unseen contents equal (one state up to what the ops observe);
 * - puts a CAS of unknown outcome with an unseen content into one class, "insert (unseen)",
 *   guarded to the absent state, when every completed CAS of the key that conflicted on its
 *   expected md5 X returned before it was called. Such a CAS changes two kinds of state: the
 *   absent one (to an unseen content, as every member of the class does) and a content c of
 *   md5 X (to an unseen one). The second is never needed: in a linearization that uses it
 *   there, the ops up to the next op that sets the state whatever it was (put, remove, CAS with
 *   a blank md5; nothing else changes an unseen content) see an unseen content instead of c. No
 *   get can be among them (none returns an unseen content), nor a CAS that published (none
 *   matches one, and an unseen content is present), nor a remove that found nothing; a CAS that
 *   conflicted fits c too unless it expects X, and every such CAS came before. So the CAS, and
 *   the CASes of unknown outcome among those ops (no-ops on an unseen content), can go to the
 *   end: a linearization with fewer ops of unknown outcome;
 * - guards every other CAS of unknown outcome with an unseen content by the md5 it expects, and
 *   gives the absent state no guard: it changes only that content and the absent state;
 * - lets "insert (unseen)" absorb every op of unknown outcome with an unseen content: each one
 *   turns the absent state into an unseen content, as the class does where it is needed, and
 *   where both change a state they set an unseen content. So on the absent state only the
 *   class's next op is tried of them all, while it is called.
 * Without these, every CAS of unknown outcome was its own class (their md5s differ) that could
 * turn the absent state present, and a search that had to (before a completed remove that found
 * an item, or a CAS that conflicted) tried every subset of them: a 20,000-operation key with
 * 5 % unknown outcomes was still undecided after 50 million steps.
 */
export function configStoreModel(): Model<ConfigState, ConfigInput, ConfigOutput> {
  const md5Memo = new Map<string, string>();
  const md5Of = (content: string): string => {
    let digest = md5Memo.get(content);
    if (digest === undefined) {
      digest = contentMd5(content);
      md5Memo.set(content, digest);
    }
    return digest;
  };
  return {
    ...configModelOf(md5Of, null),
    forKey: (ops) => configModelOf(md5Of, configKnowledge(ops)),
  };
}

/** The config store model, holding unseen contents equal when `known` is given (see above). */
function configModelOf(
  md5Of: (content: string) => string,
  known: ConfigKnowledge | null,
): Model<ConfigState, ConfigInput, ConfigOutput> {
  const seen = (content: string): boolean =>
    known === null || known.read.has(content) || known.expected.has(md5Of(content));
  const shown = (content: string): string => (seen(content) ? JSON.stringify(content) : '(unseen)');
  /** A CAS of unknown outcome of the "insert (unseen)" class (see configStoreModel). */
  const insertsUnseen = (input: ConfigInput): boolean => {
    if (known === null || input.op !== 'cas' || input.casMd5 === '') return false;
    if (seen(input.content)) return false;
    // Every completed CAS that conflicted on its md5 returned before it was called.
    const conflict = known.conflictReturn.get(input.casMd5);
    const call = known.firstCall.get(casInputKey(input.casMd5, input.content));
    return conflict === undefined || (call !== undefined && conflict < call);
  };
  return {
    name: 'config store',
    init: () => null,
    step(state, input, output) {
      switch (input.op) {
        case 'put':
          return [true, input.content];
        case 'get': {
          if (output === undefined) return [true, state];
          const o = output as Extract<ConfigOutput, { op: 'get' }>;
          const fits = o.found ? state === o.content : state === null;
          return [fits, state];
        }
        case 'cas': {
          // Nacos's insertOrUpdateCas: publish when the md5 is blank, insert when absent,
          // update when the stored md5 is the expected one, else conflict.
          const applies = input.casMd5 === '' || state === null || md5Of(state) === input.casMd5;
          if (output !== undefined && (output as { success: boolean }).success !== applies) {
            return [false, state];
          }
          return [true, applies ? input.content : state];
        }
        case 'remove': {
          const existed =
            output === undefined ? null : (output as { existed: boolean | null }).existed;
          if (existed !== null && existed !== (state !== null)) return [false, state];
          return [true, null];
        }
      }
    },
    equal: (a, b) =>
      a === b || (known !== null && a !== null && b !== null && !seen(a) && !seen(b)),
    // Equal states hash equally: every content no get returned shares one hash, so only the
    // search's rarer comparisons of states, not every hash, take an md5 (for `seen`).
    hash: (state) =>
      state === null
        ? ABSENT_HASH
        : known === null || known.read.has(state)
          ? hashString(state)
          : UNREAD_HASH,
    readOnly: (input, output) =>
      input.op === 'get' ||
      (output?.op === 'cas' && !output.success) ||
      (output?.op === 'remove' && output.existed === false),
    overwrites: (input, output) =>
      input.op === 'put' ||
      (input.op === 'cas' && input.casMd5 === '' && !(output?.op === 'cas' && !output.success)) ||
      (input.op === 'remove' &&
        (output === undefined || (output as { existed: unknown }).existed === null)),
    parse: parseConfig,
    describeOperation(input, output) {
      const call =
        input.op === 'put'
          ? `put(${show(input.content)})`
          : input.op === 'cas'
            ? `cas(${show(input.content)}, ${casExpectation(input.casMd5)})`
            : `${input.op}()`;
      if (output === undefined) return `${call} → ?`;
      switch (output.op) {
        case 'put':
          return `${call} → ok`;
        case 'get':
          return `${call} → ${output.found ? show(output.content) : 'not found'}`;
        case 'cas':
          return `${call} → ${output.success ? 'published' : 'conflict'}`;
        case 'remove':
          return `${call} → ${output.existed === null ? 'ok' : output.existed ? 'existed' : 'was absent'}`;
      }
    },
    unknownEffectClasses(ops) {
      // A content no get returned and no CAS expects cannot be told from another such one.
      return ops.map(({ input, output }) => {
        if (output !== undefined) return null;
        switch (input.op) {
          case 'put':
            return `put ${shown(input.content)}`;
          case 'cas':
            if (input.casMd5 === '') return `put ${shown(input.content)}`;
            return insertsUnseen(input)
              ? INSERT_UNSEEN
              : `cas ${input.casMd5} ${shown(input.content)}`;
          case 'remove':
            return 'remove';
          case 'get':
            return null;
        }
      });
    },
    // Every op of unknown outcome with an unseen content turns the absent state into an unseen
    // content, where the "insert (unseen)" class is ever needed (see configStoreModel).
    unknownEffectAbsorbers: (ops) =>
      ops.map(({ input, output }) =>
        known === null || output !== undefined || input.op === 'get' || input.op === 'remove'
          ? null
          : !seen(input.content) && !insertsUnseen(input)
            ? INSERT_UNSEEN
            : null,
      ),
    // A run of info ops can need any of them before a read or a CAS (a CAS of unknown outcome
    // may set the content the next one expects): no pruning.
    mayEnable: () => true,
    // A CAS changes the absent state and the content of the md5 it expects: guarded by that
    // md5, as the absent state has no guard. The "insert (unseen)" class is guarded to the
    // absent state only, the only one where it is ever needed (see configStoreModel). A CAS
    // with a seen content stays unguarded: a read of it needs it wherever it can apply.
    effectGuard: (input) =>
      input.op !== 'cas' || input.casMd5 === '' || known === null
        ? null
        : insertsUnseen(input)
          ? INSERT_GUARD
          : seen(input.content)
            ? null
            : input.casMd5,
    guard: (state) => {
      if (state === null) return null;
      const digest = md5Of(state);
      return known === null || known.read.has(state) || known.expected.has(digest)
        ? digest
        : UNSEEN_GUARD;
    },
    describeState: describeContent,
  };
}

// ---------------------------------------------------------------------------------------------
// Instance registry (naming_persistent_service_v2)
// ---------------------------------------------------------------------------------------------

export type RegistryOp = 'register' | 'deregister' | 'list';
export const REGISTRY_OPS: readonly RegistryOp[] = ['register', 'deregister', 'list'];

/** The `value` of a history event, per registry op. */
export interface RegistryValue {
  register: string;
  deregister: string;
  list: null;
}

/** The `result` of an `ok` history event, per registry op. */
export interface RegistryResult {
  register: unknown;
  deregister: unknown;
  list: string[];
}

export type RegistryInput =
  { op: 'register'; instance: string } | { op: 'deregister'; instance: string } | { op: 'list' };

export type RegistryOutput =
  { op: 'register' } | { op: 'deregister' } | { op: 'list'; instances: readonly string[] };

/**
 * A service's persistent instances, sorted; `key` is their canonical join for equal and hash.
 * A model interns its states (one object per key) and caches their transitions, so the search
 * steps them without allocating: `added` / `removed` map an instance to the state after
 * registering / deregistering it.
 */
export interface RegistryState {
  readonly instances: readonly string[];
  readonly key: string;
  readonly hash: number;
  readonly added: Map<string, RegistryState>;
  readonly removed: Map<string, RegistryState>;
}

/** A non-empty instance name without a line break (line breaks join the state's key). */
function isInstance(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && !value.includes('\n');
}

function parseRegistry(
  op: string,
  value: unknown,
  result: unknown,
  outcome: Outcome,
): ParsedOperation<RegistryInput, RegistryOutput> | string {
  const known = outcome === 'ok';
  switch (op) {
    case 'register':
    case 'deregister':
      if (!isInstance(value)) {
        return `${op}: value must be the instance as a string 'ip:port', got ${show(value)}`;
      }
      return { input: { op, instance: value }, output: known ? { op } : undefined };
    case 'list': {
      if (!known) return { input: { op }, output: undefined };
      if (!Array.isArray(result) || !result.every(isInstance)) {
        return `list: result must be an array of instance strings, got ${show(result)}`;
      }
      const instances = [...(result as string[])].sort();
      for (let i = 1; i < instances.length; i++) {
        if (instances[i] === instances[i - 1]) {
          return `list: result names instance ${show(instances[i])} twice`;
        }
      }
      return { input: { op }, output: { op, instances } };
    }
    default:
      return `unknown registry op "${op}" (expected one of ${REGISTRY_OPS.join(', ')})`;
  }
}

/** The persistent instances of one service. */
export function instanceRegistryModel(): Model<RegistryState, RegistryInput, RegistryOutput> {
  const interned = new Map<string, RegistryState>();
  const intern = (instances: readonly string[]): RegistryState => {
    // The count joins the key: [''] and [] would otherwise share it (instances are non-empty).
    const key = `${instances.length}\n${instances.join('\n')}`;
    let state = interned.get(key);
    if (state === undefined) {
      state = { instances, key, hash: hashString(key), added: new Map(), removed: new Map() };
      interned.set(key, state);
    }
    return state;
  };
  const empty = intern([]);
  const sameList = (listed: readonly string[], state: RegistryState): boolean => {
    if (listed.length !== state.instances.length) return false;
    for (let i = 0; i < listed.length; i++) if (listed[i] !== state.instances[i]) return false;
    return true;
  };
  return {
    name: 'instance registry',
    init: () => empty,
    step(state, input, output) {
      switch (input.op) {
        case 'register': {
          if (state.instances.includes(input.instance)) return [true, state];
          let next = state.added.get(input.instance);
          if (next === undefined) {
            next = intern([...state.instances, input.instance].sort());
            state.added.set(input.instance, next);
          }
          return [true, next];
        }
        case 'deregister': {
          if (!state.instances.includes(input.instance)) return [true, state];
          let next = state.removed.get(input.instance);
          if (next === undefined) {
            next = intern(state.instances.filter((i) => i !== input.instance));
            state.removed.set(input.instance, next);
          }
          return [true, next];
        }
        case 'list': {
          if (output === undefined) return [true, state];
          // Both sorted: the parse sorts a list's result, the states are kept sorted.
          return [sameList((output as { instances: readonly string[] }).instances, state), state];
        }
      }
    },
    equal: (a, b) => a === b || a.key === b.key,
    hash: (state) => state.hash,
    readOnly: (input) => input.op === 'list',
    overwrites: () => false,
    parse: parseRegistry,
    describeOperation(input, output) {
      const call = input.op === 'list' ? 'list()' : `${input.op}(${input.instance})`;
      if (output === undefined) return `${call} → ?`;
      if (output.op === 'list') return `${call} → [${output.instances.join(', ')}]`;
      return `${call} → ok`;
    },
    unknownEffectClasses: (ops) =>
      ops.map(({ input, output }) =>
        output !== undefined || input.op === 'list' ? null : `${input.op} ${input.instance}`,
      ),
    // Registers and deregisters set one instance's presence whatever the rest is: they commute
    // on different instances, and the last one on an instance hides the others. So in a run of
    // them right before a list, one that leaves its instance as the list shows it while the
    // state shows otherwise is needed; any other one changes nothing the list sees (its
    // instance already is as listed), or is undone later in the run, and can be left out.
    // Before a completed register or deregister no info op is needed: the write fits every
    // state and commutes with it or hides it.
    mayEnable(state, info, input, output) {
      if (input.op !== 'list' || output === undefined || info.op === 'list') return false;
      const listed = (output as { instances: readonly string[] }).instances.includes(info.instance);
      const present = state.instances.includes(info.instance);
      return info.op === 'register' ? listed && !present : !listed && present;
    },
    // A few (op, instance) classes at most: a guard would save little.
    effectGuard: () => null,
    guard: () => '',
    describeState: (state) => `[${state.instances.join(', ')}]`,
  };
}

// ---------------------------------------------------------------------------------------------
// Persistent datums, v1 (naming_persistent_service)
// ---------------------------------------------------------------------------------------------
//
// Group `naming_persistent_service` (DATUM_STORE_GROUP), key = the datum's key (KeyBuilder's):
//   op              value                               result of `ok`
//   'put'           the datum: any JSON value           anything (Nacos answers no data)
//   'remove'        null                                anything
//   'get'           null                                { found: false } | { found: true, value }
// A request over several keys (Nacos's BatchWriteRequest / a ReadRequest of several keys) is one
// call whose key is datumBatchKey(keys), split per key by splitCall:
//   'put-batch'     { keys: string[], values: JSON[] }  anything
//   'remove-batch'  string[] (the keys)                 anything
//   'get-batch'     string[] (the keys)                 { keys: string[], values: JSON[] } (found)

export const DATUM_STORE_GROUP = NAMING_PERSISTENT_V1_GROUP;

export type DatumOp = 'put' | 'remove' | 'get';
export const DATUM_OPS: readonly string[] = ['put', 'remove', 'get'];
export const DATUM_BATCH_OPS: readonly string[] = ['put-batch', 'remove-batch', 'get-batch'];

/** The history key of a call over several keys. */
export function datumBatchKey(keys: readonly string[]): string {
  return JSON.stringify(keys);
}

export type DatumInput = { op: 'put'; datum: string } | { op: 'remove' } | { op: 'get' };

export type DatumOutput =
  | { op: 'put' }
  | { op: 'remove' }
  | { op: 'get'; found: false }
  | { op: 'get'; found: true; datum: string };

/** One key's datum as canonical JSON (object keys sorted), or null while the key is absent. */
export type DatumState = string | null;

/** JSON with object keys sorted, so equal datums compare equal whatever their key order. */
function canonicalDatum(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

function isKeyList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((k) => typeof k === 'string');
}

function parseDatum(
  op: string,
  value: unknown,
  result: unknown,
  outcome: Outcome,
): ParsedOperation<DatumInput, DatumOutput> | string {
  const known = outcome === 'ok';
  switch (op) {
    case 'put': {
      if (value === undefined) return 'put: value must be the datum (any JSON value)';
      const datum = canonicalDatum(value);
      return { input: { op, datum }, output: known ? { op } : undefined };
    }
    case 'remove':
      return { input: { op }, output: known ? { op } : undefined };
    case 'get': {
      if (!known) return { input: { op }, output: undefined };
      if (!isRecord(result) || typeof result.found !== 'boolean') {
        return `get: result must be {found: false} or {found: true, value}, got ${show(result)}`;
      }
      if (!result.found) return { input: { op }, output: { op, found: false } };
      if (!('value' in result) || result.value === undefined) {
        return `get: result.value must be the datum when found, got ${show(result)}`;
      }
      return { input: { op }, output: { op, found: true, datum: canonicalDatum(result.value) } };
    }
    default:
      return `unknown datum op "${op}" (expected one of ${[...DATUM_OPS, ...DATUM_BATCH_OPS].join(', ')})`;
  }
}

/** A batch call's per-key parts: the last value of a key a batch names twice is what stays. */
function splitDatumCall(
  op: string,
  value: unknown,
  result: unknown,
  outcome: Outcome,
): KeyPart[] | string | undefined {
  switch (op) {
    case 'put-batch': {
      const v = isRecord(value) ? value : {};
      const { keys, values } = v;
      if (!isKeyList(keys) || !Array.isArray(values) || values.length !== keys.length) {
        return `put-batch: value must be {keys: string[], values: JSON[]} of one length, got ${show(value)}`;
      }
      const last = new Map<string, unknown>();
      keys.forEach((k, i) => last.set(k, values[i]));
      return [...last].map(([key, datum]) => ({ key, op: 'put', value: datum, result: null }));
    }
    case 'remove-batch':
      if (!isKeyList(value)) return `remove-batch: value must be the keys, got ${show(value)}`;
      return [...new Set(value)].map((key) => ({ key, op: 'remove', value: null, result: null }));
    case 'get-batch': {
      if (!isKeyList(value)) return `get-batch: value must be the keys, got ${show(value)}`;
      const found = new Map<string, unknown>();
      if (outcome === 'ok') {
        const r = isRecord(result) ? result : {};
        const keys: unknown = r.keys;
        const values: unknown = r.values;
        if (!Array.isArray(keys) || !Array.isArray(values) || keys.length !== values.length) {
          return `get-batch: result must be {keys: string[], values: JSON[]} of one length, got ${show(result)}`;
        }
        keys.forEach((k, i) => found.set(String(k), values[i]));
      }
      return [...new Set(value)].map((key) => ({
        key,
        op: 'get',
        value: null,
        result: found.has(key) ? { found: true, value: found.get(key) } : { found: false },
      }));
    }
    default:
      return undefined;
  }
}

/** One key of the v1 store: a register holding a datum, or nothing. */
export function datumStoreModel(): Model<DatumState, DatumInput, DatumOutput> {
  return {
    name: 'persistent datum',
    init: () => null,
    step(state, input, output) {
      switch (input.op) {
        case 'put':
          return [true, input.datum];
        case 'remove':
          return [true, null];
        case 'get': {
          if (output === undefined) return [true, state];
          const o = output as Extract<DatumOutput, { op: 'get' }>;
          return [o.found ? state === o.datum : state === null, state];
        }
      }
    },
    equal: (a, b) => a === b,
    hash: (state) => (state === null ? 0x9e3779b9 : hashString(state)),
    readOnly: (input) => input.op === 'get',
    // Both writes fit every state and leave one that does not depend on it.
    overwrites: (input) => input.op !== 'get',
    parse: parseDatum,
    splitCall: splitDatumCall,
    describeOperation(input, output) {
      const call = input.op === 'put' ? `put(${show(JSON.parse(input.datum))})` : `${input.op}()`;
      if (output === undefined) return `${call} → ?`;
      if (output.op !== 'get') return `${call} → ok`;
      return `${call} → ${output.found ? show(JSON.parse(output.datum)) : 'not found'}`;
    },
    unknownEffectClasses(ops) {
      // A datum no get returned cannot be told from another such one.
      const read = new Set<string>();
      for (const { output } of ops)
        if (output?.op === 'get' && output.found) read.add(output.datum);
      return ops.map(({ input, output }) => {
        if (output !== undefined || input.op === 'get') return null;
        if (input.op === 'remove') return 'remove';
        return `put ${read.has(input.datum) ? input.datum : '(unseen)'}`;
      });
    },
    // Every write is blind: before a completed write no op of unknown outcome is needed (the
    // write hides it). Before a get, only the last write of the run decides what it sees: a put
    // of the datum it found, or a remove when it found nothing.
    mayEnable(_state, info, input, output) {
      if (input.op !== 'get') return false;
      if (output === undefined) return true;
      if (info.op === 'get') return false;
      const o = output as Extract<DatumOutput, { op: 'get' }>;
      return o.found ? info.op === 'put' && info.datum === o.datum : info.op === 'remove';
    },
    effectGuard: () => null,
    guard: () => '',
    describeState: (state) => (state === null ? 'absent' : show(JSON.parse(state))),
  };
}

/** A fresh model per group the checker knows, keyed by group name. */
export function defaultModels(): Record<string, AnyModel> {
  return {
    [CONFIG_STORE_GROUP]: configStoreModel(),
    [INSTANCE_REGISTRY_GROUP]: instanceRegistryModel(),
    [DATUM_STORE_GROUP]: datumStoreModel(),
  };
}
