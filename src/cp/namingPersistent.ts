// The `naming_persistent_service_v2` processor (Nacos's PersistentClientOperationServiceImpl):
// persistent instances held by IP-port clients with ids `ip:port#false`. A client publishes at
// most one instance per service, so a second ADD of the same ip:port into a service replaces the
// first. ADD registers (the service comes into being, persistent, with its first instance);
// DELETE deregisters and drops the client once it publishes nothing; CHANGE applies only to an
// instance that exists and is otherwise a successful no-op, as in Nacos. Any other named operation
// is committed and fails at apply, as onApply answers it: "unsupport operation : X" for the other
// DataOperation constants, "Persistent client operation failed. No enum constant …" for a name
// that is none. Deterministic: the same log gives the same clients.
//
// Service ephemerality. Nacos refuses to register a persistent instance into an ephemeral
// service *before* it writes to this group: PersistentClientOperationServiceImpl.registerInstance
// asks the node-wide ServiceManager and throws "Current service ... is ephemeral service, can't
// register persistent instance."; onApply itself never checks. We do the same: the node builds
// a namingView() over its local `naming_service_metadata` and `naming_persistent_service_v2`
// state machines and calls precheckPersistentOp() before proposing. A service is ephemeral when
// its service metadata says so (a metadata write whose `ephemeral` is true or left out, Nacos's
// default) and it has no persistent instances.
import {
  cloneJson,
  compareServiceKeys,
  compareText,
  groupedServiceName,
  optionalBoolean,
  optionalNumberIn,
  optionalStringMap,
  parseServiceKey,
  serviceKeyOf,
  type NamingView,
  type ServiceKey,
  type ServiceMetadataStore,
} from './serviceMetadata.ts';
import {
  asRecord,
  InvalidRequest,
  requireString,
  type ApplyResult,
  type StateMachine,
} from './stateMachine.ts';

export { NAMING_PERSISTENT_GROUP } from './groups.ts';
/** Nacos's UtilsAndCommons.DEFAULT_CLUSTER_NAME. */
export const DEFAULT_CLUSTER = 'DEFAULT';
/** Nacos's cluster name pattern (UtilsAndCommons.CLUSTER_NAME_PATTERN_STRING). */
const CLUSTER_NAME_PATTERN = /^[0-9a-zA-Z-]+$/;
/** Nacos's instance weight bounds. */
export const MAX_WEIGHT = 10000;

/** IpPortBasedClient.getClientId(ip:port, false). */
export function persistentClientId(ip: string, port: number): string {
  return `${ip}:${port}#false`;
}

/** InstancePublishInfo.genMetadataId: the key of an instance in `naming_instance_metadata`. */
export function instanceMetadataId(ip: string, port: number, cluster: string): string {
  return `${ip}:${port}:${cluster}`;
}

/** What a client publishes for one service (Nacos's InstancePublishInfo, flattened). */
export interface PublishedInstance {
  ip: string;
  port: number;
  clusterName: string;
  weight: number;
  healthy: boolean;
  enabled: boolean;
  metadata: Record<string, string>;
}

/** An instance as Nacos's Instance serializes it in instance lists. */
export interface InstanceView extends PublishedInstance {
  instanceId: string;
  ephemeral: false;
  /** The grouped service name, `group@@name`. */
  serviceName: string;
}

export interface InstanceStoreRequest extends ServiceKey {
  type: 'ADD' | 'DELETE' | 'CHANGE';
  clientId: string;
  instance: PublishedInstance;
}

export type PersistentQuery =
  ({ type: 'instances' } & ServiceKey) | { type: 'services'; namespace: string | undefined };

function unsupported(type: unknown): string {
  return `unsupport operation : ${String(type)}`;
}

function parseInstance(v: unknown, what: string): PublishedInstance {
  if (v === undefined) throw new InvalidRequest(`${what}: field "instance" is required`);
  const i = asRecord(v, `${what}: field "instance"`);
  const at = `${what}: instance`;
  const ip = requireString(i, 'ip', at);
  const port = i.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidRequest(`${at}: field "port" must be an integer in [0, 65535]`);
  }
  const clusterName =
    i.clusterName === undefined ? DEFAULT_CLUSTER : requireString(i, 'clusterName', at);
  if (!CLUSTER_NAME_PATTERN.test(clusterName)) {
    throw new InvalidRequest(`${at}: field "clusterName" may hold only letters, digits and "-"`);
  }
  if (i.ephemeral !== undefined && i.ephemeral !== false) {
    throw new InvalidRequest(
      `${at}: field "ephemeral" must be false (this group holds persistent instances)`,
    );
  }
  return {
    ip,
    port,
    clusterName,
    weight: optionalNumberIn(i, 'weight', at, 1, 0, MAX_WEIGHT),
    healthy: optionalBoolean(i, 'healthy', at, true),
    enabled: optionalBoolean(i, 'enabled', at, true),
    metadata: optionalStringMap(i, 'metadata', at),
  };
}

/** Parse a write into Nacos's InstanceStoreRequest; throws InvalidRequest naming the bad field. */
export function parsePersistentOp(op: unknown): InstanceStoreRequest {
  const r = asRecord(op, 'persistent instance write');
  if (r.type !== 'ADD' && r.type !== 'DELETE' && r.type !== 'CHANGE') {
    throw new InvalidRequest(unsupported(r.type));
  }
  const service = parseServiceKey(r, r.type);
  const instance = parseInstance(r.instance, r.type);
  return {
    type: r.type,
    ...service,
    clientId: persistentClientId(instance.ip, instance.port),
    instance,
  };
}

/**
 * The checks before a write is proposed. An operation named by a string other than ADD, DELETE
 * and CHANGE passes: Nacos carries the operation's name in the WriteRequest and only onApply
 * (after commit) turns it into a DataOperation, so such a write fails there (see apply()).
 */
export function validatePersistentOp(op: unknown): void {
  const type = asRecord(op, 'persistent instance write').type;
  if (typeof type === 'string' && type !== '' && !isInstanceOperation(type)) return;
  parsePersistentOp(op);
}

function isInstanceOperation(type: unknown): type is 'ADD' | 'DELETE' | 'CHANGE' {
  return type === 'ADD' || type === 'DELETE' || type === 'CHANGE';
}

/** com.alibaba.nacos.consistency.DataOperation's constants. */
const DATA_OPERATIONS: readonly string[] = [
  'ADD',
  'CHANGE',
  'DELETE',
  'VERIFY',
  'SNAPSHOT',
  'QUERY',
];

/**
 * onApply's answer to an operation it does not handle: DataOperation.valueOf throws for a name
 * that is no constant (IllegalArgumentException, caught with onApply's prefix); a constant other
 * than ADD, DELETE and CHANGE reaches the switch's default.
 */
export function unhandledOperationError(type: unknown): string {
  if (typeof type === 'string' && !DATA_OPERATIONS.includes(type)) {
    return `${ERR_PERSISTENT_OP_FAILED}No enum constant com.alibaba.nacos.consistency.DataOperation.${type}`;
  }
  return unsupported(type);
}

/** PersistentClientOperationServiceImpl#onApply's prefix for whatever it catches. */
export const ERR_PERSISTENT_OP_FAILED = 'Persistent client operation failed. ';

export function parsePersistentQuery(q: unknown): PersistentQuery {
  const r = asRecord(q, 'persistent instance read');
  if (r.type === 'instances') return { type: 'instances', ...parseServiceKey(r, 'instances') };
  if (r.type === 'services') {
    const namespace =
      r.namespace === undefined ? undefined : requireString(r, 'namespace', 'services');
    return { type: 'services', namespace };
  }
  throw new InvalidRequest(unsupported(r.type));
}

export function validatePersistentQuery(q: unknown): void {
  parsePersistentQuery(q);
}

/** One client's publications in a snapshot. */
interface ClientSnapshot {
  clientId: string;
  services: (ServiceKey & { instance: PublishedInstance })[];
}

interface Publication {
  service: ServiceKey;
  instance: PublishedInstance;
}

export class NamingPersistentStore implements StateMachine {
  /** clientId → service key → what the client publishes there. */
  private clients = new Map<string, Map<string, Publication>>();

  apply(op: unknown): ApplyResult {
    if (typeof op === 'object' && op !== null && !Array.isArray(op)) {
      const type = (op as { type?: unknown }).type;
      if (!isInstanceOperation(type)) {
        return { success: false, errMsg: unhandledOperationError(type) };
      }
    }
    let o: InstanceStoreRequest;
    try {
      o = parsePersistentOp(op);
    } catch (err) {
      if (!(err instanceof InvalidRequest)) throw err;
      // onApply catches whatever fails and answers with this prefix.
      return { success: false, errMsg: `${ERR_PERSISTENT_OP_FAILED}${err.message}` };
    }
    const service: ServiceKey = { namespace: o.namespace, group: o.group, name: o.name };
    switch (o.type) {
      case 'ADD':
        this.register(o.clientId, service, o.instance);
        return { success: true, data: this.outcome(o, true) };
      case 'CHANGE': {
        // instanceAndServiceExist: the client exists and already publishes into this service.
        const exists = this.clients.get(o.clientId)?.has(serviceKeyOf(service)) ?? false;
        if (exists) this.register(o.clientId, service, o.instance);
        return { success: true, data: this.outcome(o, exists) };
      }
      case 'DELETE': {
        // The metadata id is the removed instance's (its cluster may differ from the request's).
        const removed = this.deregister(o.clientId, service);
        return { success: true, data: this.outcome(o, removed !== undefined, removed) };
      }
    }
  }

  private outcome(o: InstanceStoreRequest, applied: boolean, i = o.instance) {
    return {
      applied,
      clientId: o.clientId,
      metadataId: instanceMetadataId(i.ip, i.port, i.clusterName),
    };
  }

  private register(clientId: string, service: ServiceKey, instance: PublishedInstance): void {
    let published = this.clients.get(clientId);
    if (!published) {
      published = new Map();
      this.clients.set(clientId, published);
    }
    published.set(serviceKeyOf(service), {
      service: { ...service },
      instance: cloneJson(instance),
    });
  }

  /** onInstanceDeregister: returns the removed instance, if there was one. */
  private deregister(clientId: string, service: ServiceKey): PublishedInstance | undefined {
    const published = this.clients.get(clientId);
    if (!published) return undefined; // Nacos logs "client not exist" and answers success.
    const key = serviceKeyOf(service);
    const removed = published.get(key)?.instance;
    published.delete(key);
    if (published.size === 0) this.clients.delete(clientId);
    return removed;
  }

  query(q: unknown): ApplyResult {
    let p: PersistentQuery;
    try {
      p = parsePersistentQuery(q);
    } catch (err) {
      if (err instanceof InvalidRequest) return { success: false, errMsg: err.message };
      throw err;
    }
    if (p.type === 'instances') return { success: true, data: this.instancesOf(p) };
    const data = this.services()
      .filter((s) => p.namespace === undefined || s.namespace === p.namespace)
      .map((s) => ({
        ...s,
        groupedName: groupedServiceName(s),
        instanceCount: this.instanceCount(s),
      }));
    return { success: true, data };
  }

  /** The persistent instances of a service, sorted by ip, port, cluster. */
  instancesOf(service: ServiceKey): InstanceView[] {
    const key = serviceKeyOf(service);
    const out: InstanceView[] = [];
    for (const published of this.clients.values()) {
      const p = published.get(key);
      if (!p) continue;
      const i = cloneJson(p.instance);
      out.push({
        ...i,
        // Nacos's SimpleInstanceIdGenerator: ip#port#cluster#group@@name.
        instanceId: `${i.ip}#${i.port}#${i.clusterName}#${groupedServiceName(service)}`,
        ephemeral: false,
        serviceName: groupedServiceName(service),
      });
    }
    return out.sort(
      (a, b) =>
        compareText(a.ip, b.ip) || a.port - b.port || compareText(a.clusterName, b.clusterName),
    );
  }

  instanceCount(service: ServiceKey): number {
    const key = serviceKeyOf(service);
    let n = 0;
    for (const published of this.clients.values()) if (published.has(key)) n++;
    return n;
  }

  /** Services with at least one persistent instance, sorted by namespace, group, name. */
  services(): ServiceKey[] {
    const seen = new Map<string, ServiceKey>();
    for (const published of this.clients.values()) {
      for (const [key, p] of published) if (!seen.has(key)) seen.set(key, { ...p.service });
    }
    return [...seen.values()].sort(compareServiceKeys);
  }

  /** Client ids, sorted. */
  clientIds(): string[] {
    return [...this.clients.keys()].sort(compareText);
  }

  /** A canonical snapshot: clients and their services sorted, so equal states compare equal. */
  snapshot(): unknown {
    const out: ClientSnapshot[] = this.clientIds().map((clientId) => ({
      clientId,
      services: [...this.clients.get(clientId)!.values()]
        .map((p) => ({ ...p.service, instance: cloneJson(p.instance) }))
        .sort(compareServiceKeys),
    }));
    return out;
  }

  restore(data: unknown): void {
    this.clients.clear();
    for (const c of cloneJson(data as ClientSnapshot[])) {
      const published = new Map<string, Publication>();
      for (const s of c.services) {
        const service: ServiceKey = { namespace: s.namespace, group: s.group, name: s.name };
        published.set(serviceKeyOf(service), { service, instance: s.instance });
      }
      this.clients.set(c.clientId, published);
    }
  }
}

// ───────────────────── checks before writing (Nacos's operator layer) ─────────────────────

/**
 * The receiving node's view of its naming state, standing in for Nacos's node-wide
 * ServiceManager and ServiceStorage. A service exists when it has service metadata or
 * persistent instances; it is persistent as soon as it has persistent instances (registering
 * them made it so), otherwise its metadata's ephemeral flag decides.
 */
export function namingView(
  metadata: ServiceMetadataStore,
  persistent: NamingPersistentStore,
): NamingView {
  return {
    serviceEphemeral(k) {
      if (persistent.instanceCount(k) > 0) return false;
      return metadata.get(k)?.metadata.ephemeral;
    },
    instanceCount: (k) => persistent.instanceCount(k),
  };
}

/**
 * The check a node runs before proposing a `naming_persistent_service_v2` write, as
 * PersistentClientOperationServiceImpl.registerInstance/updateInstance do before they call the
 * protocol: a persistent instance cannot go into an ephemeral service. Returns Nacos's message,
 * or null. DELETE is never refused. The op must have passed validation.
 */
export function precheckPersistentOp(op: unknown, view: NamingView): string | null {
  // An operation onApply does not handle is Nacos's to fail after commit (validatePersistentOp).
  if (!isInstanceOperation((op as { type?: unknown }).type)) return null;
  const o = parsePersistentOp(op);
  if (o.type === 'DELETE' || view.serviceEphemeral(o) !== true) return null;
  const verb = o.type === 'ADD' ? 'register' : 'update';
  return `Current service ${groupedServiceName(o)} is ephemeral service, can't ${verb} persistent instance.`;
}
