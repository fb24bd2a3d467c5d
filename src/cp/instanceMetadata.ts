// The `naming_instance_metadata` processor (Nacos's InstanceMetadataProcessor): metadata an
// operator sets on an instance (weight, enabled, extended data), keyed within its service by
// the instance's metadata id `ip:port:cluster` (InstancePublishInfo.genMetadataId). ADD and
// CHANGE both store the whole metadata, replacing what was there; DELETE removes it, and a
// service whose last instance metadata goes is dropped, as NamingMetadataManager does.
// The metadata is independent of whether the instance is registered. Deterministic: the same
// log gives the same table.
import {
  cloneJson,
  compareServiceKeys,
  compareText,
  optionalBoolean,
  optionalNumberIn,
  parseServiceKey,
  requireJson,
  serviceKeyOf,
  type ServiceKey,
} from './serviceMetadata.ts';
import { MAX_WEIGHT } from './namingPersistent.ts';
import {
  asRecord,
  InvalidRequest,
  parseOrRefuse,
  requireString,
  type ApplyResult,
  type StateMachine,
} from './stateMachine.ts';

export { INSTANCE_METADATA_GROUP } from './groups.ts';

/** Nacos's InstanceMetadata, with its Java defaults for fields a request leaves out. */
export interface InstanceMetadata {
  weight: number;
  enabled: boolean;
  extendData: Record<string, unknown>;
}

export type InstanceMetadataOp =
  | ({ type: 'ADD' | 'CHANGE' } & ServiceKey & { metadataId: string; metadata: InstanceMetadata })
  | ({ type: 'DELETE' } & ServiceKey & { metadataId: string });

export type InstanceMetadataQuery = { type: 'get'; metadataId: string | undefined } & ServiceKey;

/** One service's instance metadata in a snapshot. */
interface ServiceSnapshot extends ServiceKey {
  instances: { metadataId: string; metadata: InstanceMetadata }[];
}

function unsupported(type: unknown): string {
  return `Unsupported operation ${String(type)}`;
}

/** `ip:port:cluster`; the ip may itself hold colons (IPv6), so split from the right. */
function requireMetadataId(r: Record<string, unknown>, what: string): string {
  const id = requireString(r, 'metadataId', what);
  const parts = id.split(':');
  const port = Number(parts[parts.length - 2]);
  const ok =
    parts.length >= 3 &&
    parts.slice(0, -2).join(':').length > 0 &&
    /^[0-9]+$/.test(parts[parts.length - 2]) &&
    port <= 65535 &&
    parts[parts.length - 1].length > 0;
  if (!ok) throw new InvalidRequest(`${what}: field "metadataId" must look like "ip:port:cluster"`);
  return id;
}

function parseInstanceMetadata(v: unknown, what: string): InstanceMetadata {
  if (v === undefined) throw new InvalidRequest(`${what}: field "metadata" is required`);
  const m = asRecord(v, `${what}: field "metadata"`);
  const at = `${what}: metadata`;
  const extendData =
    m.extendData === undefined
      ? {}
      : (requireJson(
          asRecord(m.extendData, `${at}: field "extendData"`),
          'metadata.extendData',
          what,
        ) as Record<string, unknown>);
  return {
    weight: optionalNumberIn(m, 'weight', at, 1, 0, MAX_WEIGHT),
    enabled: optionalBoolean(m, 'enabled', at, true),
    extendData,
  };
}

/** Parse a write; throws InvalidRequest naming the bad field. */
export function parseInstanceMetadataOp(op: unknown): InstanceMetadataOp {
  const r = asRecord(op, 'instance metadata write');
  switch (r.type) {
    case 'ADD':
    case 'CHANGE':
      return {
        type: r.type,
        ...parseServiceKey(r, r.type),
        metadataId: requireMetadataId(r, r.type),
        metadata: parseInstanceMetadata(r.metadata, r.type),
      };
    case 'DELETE':
      return {
        type: 'DELETE',
        ...parseServiceKey(r, 'DELETE'),
        metadataId: requireMetadataId(r, 'DELETE'),
      };
    default:
      // Nacos answers this from onApply; like configStore we refuse it before the log.
      throw new InvalidRequest(unsupported(r.type));
  }
}

export function validateInstanceMetadataOp(op: unknown): void {
  parseInstanceMetadataOp(op);
}

export function parseInstanceMetadataQuery(q: unknown): InstanceMetadataQuery {
  const r = asRecord(q, 'instance metadata read');
  if (r.type !== 'get') throw new InvalidRequest(unsupported(r.type));
  const metadataId = r.metadataId === undefined ? undefined : requireMetadataId(r, 'get');
  return { type: 'get', ...parseServiceKey(r, 'get'), metadataId };
}

export function validateInstanceMetadataQuery(q: unknown): void {
  parseInstanceMetadataQuery(q);
}

interface ServiceEntry {
  service: ServiceKey;
  instances: Map<string, InstanceMetadata>;
}

export class InstanceMetadataStore implements StateMachine {
  private services = new Map<string, ServiceEntry>();

  apply(op: unknown): ApplyResult {
    const o = parseOrRefuse(op, parseInstanceMetadataOp);
    if (!('type' in o)) return o;
    const service: ServiceKey = { namespace: o.namespace, group: o.group, name: o.name };
    const key = serviceKeyOf(service);
    if (o.type === 'DELETE') {
      const entry = this.services.get(key);
      const removed = entry?.instances.delete(o.metadataId) ?? false;
      if (entry && entry.instances.size === 0) this.services.delete(key);
      return { success: true, data: { removed } };
    }
    let entry = this.services.get(key);
    if (!entry) {
      entry = { service, instances: new Map() };
      this.services.set(key, entry);
    }
    const created = !entry.instances.has(o.metadataId);
    entry.instances.set(o.metadataId, cloneJson(o.metadata));
    return { success: true, data: { created } };
  }

  query(q: unknown): ApplyResult {
    let p: InstanceMetadataQuery;
    try {
      p = parseInstanceMetadataQuery(q);
    } catch (err) {
      if (err instanceof InvalidRequest) return { success: false, errMsg: err.message };
      throw err;
    }
    if (p.metadataId !== undefined) {
      const m = this.get(p, p.metadataId);
      return { success: true, data: m ? { found: true, metadata: m } : { found: false } };
    }
    return { success: true, data: this.listOf(p) };
  }

  /** A copy of one instance's metadata, or undefined. */
  get(service: ServiceKey, metadataId: string): InstanceMetadata | undefined {
    const m = this.services.get(serviceKeyOf(service))?.instances.get(metadataId);
    return m && cloneJson(m);
  }

  /** Copies of a service's instance metadata, sorted by metadata id. */
  listOf(service: ServiceKey): { metadataId: string; metadata: InstanceMetadata }[] {
    const entry = this.services.get(serviceKeyOf(service));
    if (!entry) return [];
    return [...entry.instances.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([metadataId, m]) => ({ metadataId, metadata: cloneJson(m) }));
  }

  /** A canonical snapshot: services and instances sorted, so equal states compare equal. */
  snapshot(): unknown {
    const out: ServiceSnapshot[] = [...this.services.values()]
      .map((e) => ({ ...e.service, instances: this.listOf(e.service) }))
      .sort(compareServiceKeys);
    return out;
  }

  restore(data: unknown): void {
    this.services.clear();
    for (const s of cloneJson(data as ServiceSnapshot[])) {
      const service: ServiceKey = { namespace: s.namespace, group: s.group, name: s.name };
      const instances = new Map(s.instances.map((i) => [i.metadataId, i.metadata] as const));
      this.services.set(serviceKeyOf(service), { service, instances });
    }
  }
}
