// The `naming_persistent_service` processor (Nacos 2.2.4's PersistentServiceProcessor and its
// base BasePersistentServiceProcessor): the first generation of persistent naming data, a
// key→datum store. A write is a BatchWriteRequest (keys and values, one serialized Datum per
// key) carried with the name of an `Op`: Write puts every key, Delete removes every key; the
// operation name is turned into an Op only in onApply, after commit, so any other name is
// committed and fails there ("unsupport operation : Read" for the Op constant onApply does not
// handle, "No enum constant …Op.X" for a name that is none). A read (onRequest) names keys and
// answers a BatchReadResponse holding the keys found and their datums; a missing key is simply
// left out (PersistentServiceProcessor#get then returns null), never an error.
//
// The processor does not look into the values: it stores the bytes it is given (here: any JSON
// value, normally a Datum `{ key, value: Record, timestamp }`). One exception, from Nacos: after
// the batch is stored, onApply publishes a change event for each key that names the switch
// domain (KeyBuilder.matchSwitchKey), deserializing its value as Datum<SwitchDomain>; a value
// that cannot be one (not a JSON object, or a `value` that is not an object) makes onApply
// answer failure although the batch is already stored. Only that shape is checked, not the
// SwitchDomain's own fields.
//
// Not modelled: NamingKvStorage caches values in memory over its file storage, and loading a
// snapshot (InstallSnapshot into a running follower) overwrites the files but only adds to the
// memory cache, so a key the snapshot lacks stays readable on that node until it restarts. Our
// restore() replaces the whole state, as a fresh node's load does.
//
// Deterministic and pure: the same log gives the same store; snapshots list keys sorted.
import { cloneJson } from './serviceMetadata.ts';
import { asRecord, InvalidRequest, type ApplyResult, type StateMachine } from './stateMachine.ts';

export { NAMING_PERSISTENT_V1_GROUP } from './groups.ts';

// ───────────────────────────── keys (Nacos's KeyBuilder) ─────────────────────────────

/** KeyBuilder.NAMESPACE_KEY_CONNECTOR. */
export const NAMESPACE_KEY_CONNECTOR = '##';
/** KeyBuilder.INSTANCE_LIST_KEY_PREFIX (Nacos 1.x / 2.0: a service's persistent instances). */
export const INSTANCE_LIST_KEY_PREFIX = 'com.alibaba.nacos.naming.iplist.';
/** KeyBuilder.SERVICE_META_KEY_PREFIX (a service's metadata, and the switch domain). */
export const SERVICE_META_KEY_PREFIX = 'com.alibaba.nacos.naming.domains.meta.';
/** UtilsAndCommons.SWITCH_DOMAIN_NAME. */
export const SWITCH_DOMAIN_NAME = '00-00---000-NACOS_SWITCH_DOMAIN-000---00-00';
/** KeyBuilder.getSwitchDomainKey(): the one key Nacos 2.2.4 itself still writes here. */
export const SWITCH_DOMAIN_KEY = SERVICE_META_KEY_PREFIX + SWITCH_DOMAIN_NAME;

/** KeyBuilder.buildInstanceListKey(namespace, serviceName, false). */
export function instanceListKey(namespace: string, serviceName: string): string {
  return `${INSTANCE_LIST_KEY_PREFIX}${namespace}${NAMESPACE_KEY_CONNECTOR}${serviceName}`;
}

/** KeyBuilder.buildServiceMetaKey(namespace, serviceName). */
export function serviceMetaKey(namespace: string, serviceName: string): string {
  return `${SERVICE_META_KEY_PREFIX}${namespace}${NAMESPACE_KEY_CONNECTOR}${serviceName}`;
}

/** KeyBuilder.matchSwitchKey. */
export function matchSwitchKey(key: string): boolean {
  return key.endsWith(SWITCH_DOMAIN_NAME);
}

/**
 * A key in KeyBuilder's brief form ("iplist." / "meta." + the rest, as briefInstanceListkey and
 * briefServiceMetaKey write it); any other key as it is.
 */
export function briefKey(key: string): string {
  if (key.startsWith(INSTANCE_LIST_KEY_PREFIX)) {
    return `iplist.${key.slice(INSTANCE_LIST_KEY_PREFIX.length)}`;
  }
  if (key.startsWith(SERVICE_META_KEY_PREFIX)) {
    return `meta.${key.slice(SERVICE_META_KEY_PREFIX.length)}`;
  }
  return key;
}

/** Datum.createDatum(key, value) as Jackson writes it (NON_NULL: a null value is left out). */
export function createDatum(key: string, value: unknown): Record<string, unknown> {
  return value === null || value === undefined
    ? { key, timestamp: 0 }
    : { key, value: cloneJson(value), timestamp: 0 };
}

// ───────────────────────────── requests ─────────────────────────────

/** BasePersistentServiceProcessor.Op's constants (their `desc` is their name). */
export const OPS: readonly string[] = ['Write', 'Read', 'Delete'];

/** A WriteRequest: its operation name and its BatchWriteRequest. */
export interface BatchWrite {
  /** WriteRequest.operation, any name; only Write and Delete apply. */
  type: string;
  keys: string[];
  /** One value per key for a Write; a Delete carries none (remove() sends an empty one). */
  values: unknown[];
}

/** A ReadRequest's keys. */
export interface BatchRead {
  type: 'get';
  keys: string[];
}

/** BatchReadResponse: the keys found, in the order asked, with their values. */
export interface BatchReadResponse {
  keys: string[];
  values: unknown[];
}

/** KvStorage#batchPut's refusal (KvStorageException, ErrorCode.KVStorageBatchWriteError). */
export const ERR_SIZE_MISMATCH = "key's size must be equal to value's size";
/** KVStorageBatchWriteError's code, which the refusal carries (not in the Response). */
export const KV_STORAGE_BATCH_WRITE_ERROR = 40107;
/**
 * A value that is no Datum<SwitchDomain>: NacosDeserializationException(Throwable)'s message,
 * NacosRuntimeException's "errCode: %d, errMsg: %s " around "Nacos deserialize failed. ".
 */
export const ERR_DESERIALIZE = 'errCode: 101, errMsg: Nacos deserialize failed.  ';

const OP_CLASS =
  'com.alibaba.nacos.naming.consistency.persistent.impl.BasePersistentServiceProcessor.Op';
const BATCH_WRITE_CLASS = 'com.alibaba.nacos.naming.consistency.persistent.impl.BatchWriteRequest';

/**
 * onApply's answer to an operation it does not handle: Op.valueOf throws for a name that is no
 * constant (IllegalArgumentException, whose message onApply answers); Read reaches the default.
 */
export function unhandledOperationError(type: string): string {
  return OPS.includes(type)
    ? `unsupport operation : ${type}`
    : `No enum constant ${OP_CLASS}.${type}`;
}

/** A plain JSON value: null, a boolean, a string, a finite number, arrays and plain objects. */
export function isJsonValue(x: unknown): boolean {
  if (x === null || typeof x === 'boolean' || typeof x === 'string') return true;
  if (typeof x === 'number') return Number.isFinite(x);
  if (Array.isArray(x)) return x.every(isJsonValue);
  if (typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(x as Record<string, unknown>).every(isJsonValue);
}

function parseKeys(r: Record<string, unknown>, what: string): string[] {
  const keys = r.keys;
  if (!Array.isArray(keys)) {
    throw new InvalidRequest(`${what}: field "keys" must be an array of non-empty strings`);
  }
  keys.forEach((k, i) => {
    if (typeof k !== 'string' || k.length === 0) {
      throw new InvalidRequest(`${what}: field "keys.${i}" must be a non-empty string`);
    }
  });
  return keys as string[];
}

/**
 * Parse a write; throws InvalidRequest naming the bad field. The checks are those of a
 * well-formed BatchWriteRequest (what PersistentServiceProcessor#put and #remove build): an
 * operation name, keys as non-empty strings, values as JSON, none on a Delete. Whether the
 * operation is one onApply handles, and whether a Write has one value per key, are left to
 * apply(), where Nacos finds them.
 */
export function parseV1Op(op: unknown): BatchWrite {
  const r = asRecord(op, 'persistent datum write');
  const type = r.type;
  if (typeof type !== 'string' || type.length === 0) {
    throw new InvalidRequest(
      'persistent datum write: field "type" must be a non-empty string (the operation: Write or Delete)',
    );
  }
  const keys = parseKeys(r, type);
  if (type === 'Delete') {
    if (r.values !== undefined) {
      throw new InvalidRequest(
        'Delete: field "values" is not allowed (remove() sends an empty value for each key)',
      );
    }
    return { type, keys, values: [] };
  }
  if (r.values === undefined && type === 'Write') {
    throw new InvalidRequest('Write: field "values" is required (one datum per key)');
  }
  const values = r.values ?? [];
  if (!Array.isArray(values)) throw new InvalidRequest(`${type}: field "values" must be an array`);
  values.forEach((v, i) => {
    if (!isJsonValue(v)) {
      throw new InvalidRequest(`${type}: field "values.${i}" must be a JSON value`);
    }
  });
  return { type, keys, values: values as unknown[] };
}

export function validateV1Op(op: unknown): void {
  parseV1Op(op);
}

/** Parse a read (a ReadRequest's list of keys); throws InvalidRequest naming the bad field. */
export function parseV1Query(q: unknown): BatchRead {
  const r = asRecord(q, 'persistent datum read');
  if (r.type !== 'get') throw new InvalidRequest(`unsupport operation : ${String(r.type)}`);
  return { type: 'get', keys: parseKeys(r, 'get') };
}

export function validateV1Query(q: unknown): void {
  parseV1Query(q);
}

/**
 * Whether a value deserializes as Datum<SwitchDomain> for the change event (publishValueChangeEvent):
 * null, or an object whose `value`, if any, is null or an object.
 */
function isSwitchDatum(v: unknown): boolean {
  if (v === null) return true;
  if (typeof v !== 'object' || Array.isArray(v)) return false;
  const value = (v as Record<string, unknown>).value;
  return (
    value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value))
  );
}

// ───────────────────────────── the store ─────────────────────────────

/** One key in a snapshot. */
export interface V1Entry {
  key: string;
  value: unknown;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class NamingPersistentV1Store implements StateMachine {
  /** key → the value stored for it (a serialized Datum, as plain JSON). */
  private data = new Map<string, unknown>();

  /** BasePersistentServiceProcessor#onApply. */
  apply(op: unknown): ApplyResult {
    let w: BatchWrite;
    try {
      w = parseV1Op(op);
    } catch (err) {
      if (!(err instanceof InvalidRequest)) throw err;
      // Only a request that skipped the checks before the log gets here: Nacos fails to read it.
      return {
        success: false,
        errMsg: `errCode: 101, errMsg: Nacos deserialize for class [${BATCH_WRITE_CLASS}] failed, cause error[${err.message}]. `,
      };
    }
    switch (w.type) {
      case 'Write':
        if (w.keys.length !== w.values.length) return { success: false, errMsg: ERR_SIZE_MISMATCH };
        w.keys.forEach((k, i) => this.data.set(k, cloneJson(w.values[i])));
        break;
      case 'Delete':
        for (const k of w.keys) this.data.delete(k);
        break;
      default:
        return { success: false, errMsg: unhandledOperationError(w.type) };
    }
    // publishValueChangeEvent, after the batch is stored: a switch-domain value must read as a
    // Datum<SwitchDomain> (a Delete's empty value reads as null).
    if (w.type === 'Write') {
      for (let i = 0; i < w.keys.length; i++) {
        if (matchSwitchKey(w.keys[i]) && !isSwitchDatum(w.values[i])) {
          return { success: false, errMsg: ERR_DESERIALIZE };
        }
      }
    }
    return { success: true };
  }

  /** BasePersistentServiceProcessor#onRequest: the keys found, in the order asked. */
  query(q: unknown): ApplyResult {
    let r: BatchRead;
    try {
      r = parseV1Query(q);
    } catch (err) {
      if (err instanceof InvalidRequest) return { success: false, errMsg: err.message };
      throw err;
    }
    const data: BatchReadResponse = { keys: [], values: [] };
    for (const k of r.keys) {
      if (!this.data.has(k)) continue;
      data.keys.push(k);
      data.values.push(cloneJson(this.data.get(k)));
    }
    return { success: true, data };
  }

  /** The value stored for a key, or undefined. */
  get(key: string): unknown {
    return this.data.has(key) ? cloneJson(this.data.get(key)) : undefined;
  }

  /** The keys held, sorted. */
  keys(): string[] {
    return [...this.data.keys()].sort(compareText);
  }

  /** A canonical snapshot: every key with its value, sorted by key (NamingSnapshotOperation). */
  snapshot(): V1Entry[] {
    return this.keys().map((key) => ({ key, value: cloneJson(this.data.get(key)) }));
  }

  restore(data: unknown): void {
    this.data.clear();
    for (const e of cloneJson(data as V1Entry[])) this.data.set(e.key, e.value);
  }
}
