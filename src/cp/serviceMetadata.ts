// The `naming_service_metadata` processor (Nacos's ServiceMetadataProcessor): service metadata
// (ephemeral flag, protect threshold, selector, extended data, cluster metadata) keyed by the
// service (namespace, group, name). It is also the CP side of Nacos's ServiceManager: "create
// service" is a CHANGE here and "delete service" a DELETE. ADD merges cluster metadata into an
// existing entry; CHANGE replaces the mutable fields but keeps the ephemeral flag and clusters
// chosen when the entry was created. Deterministic: the same log gives the same table.
//
// This file also owns the naming vocabulary the three naming processors share (service keys,
// Nacos's defaults), and the checks Nacos's service operator runs on the receiving node before
// it writes anything ("already exists", "not found", "is not empty, can't be delete").
import {
  asRecord,
  InvalidRequest,
  parseOrRefuse,
  requireString,
  type ApplyResult,
  type StateMachine,
} from './stateMachine.ts';

export { SERVICE_METADATA_GROUP } from './groups.ts';
/** Nacos 2.x's Constants.DEFAULT_NAMESPACE_ID. */
export const DEFAULT_NAMESPACE = 'public';
export const DEFAULT_SERVICE_GROUP = 'DEFAULT_GROUP';
/** Nacos's separator between group and service name in a grouped service name. */
export const GROUP_SEPARATOR = '@@';

/** A service's identity, as Nacos's Service.equals sees it (the ephemeral flag is not part of it). */
export interface ServiceKey {
  namespace: string;
  group: string;
  name: string;
}

/** `group@@name`, as Nacos's Service.getGroupedServiceName() prints it in messages. */
export function groupedServiceName(k: ServiceKey): string {
  return `${k.group}${GROUP_SEPARATOR}${k.name}`;
}

/** A map key for a service; JSON keeps it unambiguous whatever the names contain. */
export function serviceKeyOf(k: ServiceKey): string {
  return JSON.stringify([k.namespace, k.group, k.name]);
}

/** Plain-string comparison (no locale), so every node sorts the same way. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareServiceKeys(a: ServiceKey, b: ServiceKey): number {
  return (
    compareText(a.namespace, b.namespace) ||
    compareText(a.group, b.group) ||
    compareText(a.name, b.name)
  );
}

/**
 * Read `namespace?` (default "public"), `group?` (default DEFAULT_GROUP) and `service` from a
 * request. Group and name may not contain "@@", which would make the grouped name ambiguous.
 */
export function parseServiceKey(r: Record<string, unknown>, what: string): ServiceKey {
  const namespace =
    r.namespace === undefined ? DEFAULT_NAMESPACE : requireString(r, 'namespace', what);
  const group = r.group === undefined ? DEFAULT_SERVICE_GROUP : requireString(r, 'group', what);
  const name = requireString(r, 'service', what);
  for (const [field, v] of [
    ['group', group],
    ['service', name],
  ] as const) {
    if (v.includes(GROUP_SEPARATOR)) {
      throw new InvalidRequest(`${what}: field "${field}" must not contain "${GROUP_SEPARATOR}"`);
    }
  }
  return { namespace, group, name };
}

/** Validate that `r[field]`, when present, is a map of strings; returns a copy ({} if absent). */
export function optionalStringMap(
  r: Record<string, unknown>,
  field: string,
  what: string,
): Record<string, string> {
  const v = r[field];
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new InvalidRequest(`${what}: field "${field}" must be an object of strings`);
  }
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') {
      throw new InvalidRequest(`${what}: field "${field}.${k}" must be a string`);
    }
    out[k] = x;
  }
  return out;
}

export function optionalBoolean(
  r: Record<string, unknown>,
  field: string,
  what: string,
  fallback: boolean,
): boolean {
  const v = r[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean')
    throw new InvalidRequest(`${what}: field "${field}" must be a boolean`);
  return v;
}

export function optionalNumberIn(
  r: Record<string, unknown>,
  field: string,
  what: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = r[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new InvalidRequest(`${what}: field "${field}" must be a number in [${min}, ${max}]`);
  }
  return v;
}

/** Plain JSON data (what cluster metadata and instance extended data may hold). */
export function requireJson(v: unknown, path: string, what: string): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v)) return v.map((x, i) => requireJson(x, `${path}[${i}]`, what));
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = requireJson(x, `${path}.${k}`, what);
    return out;
  }
  throw new InvalidRequest(`${what}: field "${path}" must be plain JSON data`);
}

// ─────────────────────────────── service metadata ───────────────────────────────

/** Nacos's selectors: NoneSelector ("none") and LabelSelector ("label", with an expression). */
export type Selector = { type: 'none' } | { type: 'label'; expression: string };

/** Nacos's ServiceMetadata, with its Java defaults for fields a request leaves out. */
export interface ServiceMetadata {
  /** Nacos's default is true: a metadata write that omits it describes an ephemeral service. */
  ephemeral: boolean;
  protectThreshold: number;
  selector: Selector;
  extendData: Record<string, string>;
  /** Cluster name → cluster metadata (health checker, check port, extended data...). */
  clusters: Record<string, Record<string, unknown>>;
}

export interface ServiceMetadataEntry extends ServiceKey {
  metadata: ServiceMetadata;
}

export type ServiceMetadataOp =
  | ({ type: 'ADD' | 'CHANGE' } & ServiceKey & { metadata: ServiceMetadata })
  | ({ type: 'DELETE' } & ServiceKey);

function parseSelector(v: unknown, what: string): Selector {
  if (v === undefined) return { type: 'none' };
  const s = asRecord(v, `${what}: field "metadata.selector"`);
  if (s.type === 'none') return { type: 'none' };
  if (s.type === 'label') {
    if (typeof s.expression !== 'string') {
      throw new InvalidRequest(`${what}: field "metadata.selector.expression" must be a string`);
    }
    return { type: 'label', expression: s.expression };
  }
  throw new InvalidRequest(`${what}: field "metadata.selector.type" must be "none" or "label"`);
}

function parseServiceMetadata(v: unknown, what: string): ServiceMetadata {
  if (v === undefined) throw new InvalidRequest(`${what}: field "metadata" is required`);
  const m = asRecord(v, `${what}: field "metadata"`);
  const clustersIn =
    m.clusters === undefined ? {} : asRecord(m.clusters, `${what}: field "metadata.clusters"`);
  const clusters: Record<string, Record<string, unknown>> = {};
  for (const [name, c] of Object.entries(clustersIn)) {
    const path = `metadata.clusters.${name}`;
    clusters[name] = requireJson(asRecord(c, `${what}: field "${path}"`), path, what) as Record<
      string,
      unknown
    >;
  }
  return {
    ephemeral: optionalBoolean(m, 'ephemeral', `${what}: metadata`, true),
    protectThreshold: optionalNumberIn(m, 'protectThreshold', `${what}: metadata`, 0, 0, 1),
    selector: parseSelector(m.selector, what),
    extendData: optionalStringMap(m, 'extendData', `${what}: metadata`),
    clusters,
  };
}

function unsupported(type: unknown): string {
  return `Unsupported operation ${String(type)}`;
}

/** Parse a write; throws InvalidRequest naming the bad field. */
export function parseServiceMetadataOp(op: unknown): ServiceMetadataOp {
  const r = asRecord(op, 'service metadata write');
  switch (r.type) {
    case 'ADD':
    case 'CHANGE':
      return {
        type: r.type,
        ...parseServiceKey(r, r.type),
        metadata: parseServiceMetadata(r.metadata, r.type),
      };
    case 'DELETE':
      return { type: 'DELETE', ...parseServiceKey(r, 'DELETE') };
    default:
      // Nacos answers this from onApply; like configStore we refuse it before the log.
      throw new InvalidRequest(unsupported(r.type));
  }
}

export function validateServiceMetadataOp(op: unknown): void {
  parseServiceMetadataOp(op);
}

export type ServiceMetadataQuery =
  ({ type: 'get' } & ServiceKey) | { type: 'services'; namespace: string | undefined };

export function parseServiceMetadataQuery(q: unknown): ServiceMetadataQuery {
  const r = asRecord(q, 'service metadata read');
  if (r.type === 'get') return { type: 'get', ...parseServiceKey(r, 'get') };
  if (r.type === 'services') {
    const namespace =
      r.namespace === undefined ? undefined : requireString(r, 'namespace', 'services');
    return { type: 'services', namespace };
  }
  throw new InvalidRequest(unsupported(r.type));
}

export function validateServiceMetadataQuery(q: unknown): void {
  parseServiceMetadataQuery(q);
}

/** A deep copy of plain JSON data, so state never shares objects with requests or replies. */
export function cloneJson<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

export class ServiceMetadataStore implements StateMachine {
  private entries = new Map<string, ServiceMetadataEntry>();

  apply(op: unknown): ApplyResult {
    const o = parseOrRefuse(op, parseServiceMetadataOp);
    if (!('type' in o)) return o;
    const k: ServiceKey = { namespace: o.namespace, group: o.group, name: o.name };
    const key = serviceKeyOf(k);
    const current = this.entries.get(key);
    switch (o.type) {
      case 'ADD':
        // addClusterMetadataToService: only the clusters of an existing entry change.
        if (current) Object.assign(current.metadata.clusters, cloneJson(o.metadata).clusters);
        else this.entries.set(key, { ...k, metadata: cloneJson(o.metadata) });
        return { success: true, data: { created: !current } };
      case 'CHANGE':
        // updateServiceMetadata/mergeMetadata: the ephemeral flag and the clusters stay as they
        // were created; threshold, selector and extended data are replaced, defaults included.
        if (current) {
          const next = cloneJson(o.metadata);
          current.metadata = {
            ephemeral: current.metadata.ephemeral,
            protectThreshold: next.protectThreshold,
            selector: next.selector,
            extendData: next.extendData,
            clusters: current.metadata.clusters,
          };
        } else {
          this.entries.set(key, { ...k, metadata: cloneJson(o.metadata) });
        }
        return { success: true, data: { created: !current } };
      case 'DELETE':
        this.entries.delete(key);
        return { success: true, data: { removed: current !== undefined } };
    }
  }

  query(q: unknown): ApplyResult {
    let p: ServiceMetadataQuery;
    try {
      p = parseServiceMetadataQuery(q);
    } catch (err) {
      if (err instanceof InvalidRequest) return { success: false, errMsg: err.message };
      throw err;
    }
    if (p.type === 'get') {
      const e = this.get(p);
      if (!e) return { success: true, data: { found: false } };
      return { success: true, data: { found: true, metadata: cloneJson(e.metadata) } };
    }
    const list = this.list()
      .filter((e) => p.namespace === undefined || e.namespace === p.namespace)
      .map((e) => ({
        namespace: e.namespace,
        group: e.group,
        name: e.name,
        groupedName: groupedServiceName(e),
        ephemeral: e.metadata.ephemeral,
      }));
    return { success: true, data: list };
  }

  /** The entry of one service, or undefined. Read-only: callers must not modify it. */
  get(k: ServiceKey): ServiceMetadataEntry | undefined {
    return this.entries.get(serviceKeyOf(k));
  }

  /** All entries, sorted by namespace, group, name. */
  list(): ServiceMetadataEntry[] {
    return [...this.entries.values()].sort(compareServiceKeys);
  }

  snapshot(): unknown {
    return cloneJson(this.list());
  }

  restore(data: unknown): void {
    this.entries.clear();
    for (const e of cloneJson(data as ServiceMetadataEntry[])) {
      this.entries.set(serviceKeyOf(e), e);
    }
  }
}

// ───────────────────── checks before writing (Nacos's service operator) ─────────────────────

/**
 * What the receiving node knows about a service from its local state machines: Nacos's
 * node-wide ServiceManager (which services exist, ephemeral or persistent) and ServiceStorage
 * (their instances). Built by namingView() in namingPersistent.ts.
 */
export interface NamingView {
  /** The ephemeral flag of a known service, or undefined when the service does not exist. */
  serviceEphemeral(k: ServiceKey): boolean | undefined;
  /** How many instances the service has. */
  instanceCount(k: ServiceKey): number;
}

/** ServiceOperatorV2Impl.create: refused when the service already exists. */
export function checkCreateService(view: NamingView, k: ServiceKey): string | null {
  if (view.serviceEphemeral(k) === undefined) return null;
  return `specified service ${groupedServiceName(k)} already exists!`;
}

/** ServiceOperatorV2Impl.update: refused when the service does not exist. */
export function checkUpdateService(view: NamingView, k: ServiceKey): string | null {
  if (view.serviceEphemeral(k) !== undefined) return null;
  return `service ${groupedServiceName(k)} not found!`;
}

/** ServiceOperatorV2Impl.delete: refused when the service is unknown or still has instances. */
export function checkDeleteService(view: NamingView, k: ServiceKey): string | null {
  if (view.serviceEphemeral(k) === undefined) return `service ${groupedServiceName(k)} not found!`;
  if (view.instanceCount(k) > 0) {
    return `Service ${groupedServiceName(k)} is not empty, can't be delete. Please unregister instance first`;
  }
  return null;
}

/**
 * The check a node runs before proposing a `naming_service_metadata` write, as Nacos does
 * before it calls the protocol: a DELETE of an unknown or non-empty service is refused. ADD and
 * CHANGE pass (they upsert); a caller that means "create" or "update" adds checkCreateService or
 * checkUpdateService. Returns the error message, or null. The op must have passed validation.
 */
export function precheckServiceMetadataOp(op: unknown, view: NamingView): string | null {
  const o = parseServiceMetadataOp(op);
  if (o.type !== 'DELETE') return null;
  return checkDeleteService(view, o);
}
