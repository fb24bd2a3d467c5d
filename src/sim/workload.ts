// Simulated clients' operations and their history. A Workload draws client operations for the
// config store, the instance registry and the v1 datum store (and the two metadata groups,
// unchecked) from a seeded generator; a HistoryLog records each as the history events the
// linearizability checker reads, through the same mapping every host uses
// (src/trace/clientHistory.ts). Keys are spread so that about `clientsPerKeyMax` clients
// at most share one key, which keeps the check tractable (the search is exponential in the
// concurrency of one key).
import { INSTANCE_METADATA_GROUP, SERVICE_METADATA_GROUP } from '../cp/groups.ts';
import { createDatum, serviceMetaKey } from '../cp/namingPersistentV1.ts';
import type { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { ClientReply } from '../node/types.ts';
import type { TraceBody, TraceEvent } from '../trace/events.ts';
import { describeOutcome, describeRequest, type HistoryCall } from '../trace/clientHistory.ts';
import {
  CONFIG_STORE_GROUP,
  DATUM_STORE_GROUP,
  INSTANCE_REGISTRY_GROUP,
  configKey,
  contentMd5,
} from '../trace/models.ts';

/** One client operation, as the node takes it. */
export interface ClientOp {
  group: GroupId;
  kind: 'write' | 'read';
  payload: unknown;
}

export interface WorkloadOptions {
  /** Groups to drive: any of SUPPORTED. */
  groups: GroupId[];
  clients: number;
  /** Upper bound on clients sharing one key (the key count follows from it). */
  clientsPerKeyMax?: number;
  /** Share of reads among operations. */
  readRatio?: number;
}

/**
 * Groups the workload drives. The two metadata groups have no model in the checker: their
 * operations load the cluster (a mixed workload over all four groups) but are not checked.
 */
const SUPPORTED: readonly GroupId[] = [
  CONFIG_STORE_GROUP,
  INSTANCE_REGISTRY_GROUP,
  DATUM_STORE_GROUP,
  SERVICE_METADATA_GROUP,
  INSTANCE_METADATA_GROUP,
];

/** The v1 store's key for the clients' service `svc-<k>` (KeyBuilder's service-meta key). */
export function datumKey(k: number): string {
  return serviceMetaKey('public', `DEFAULT_GROUP@@svc-${k}`);
}

export class Workload {
  readonly groups: GroupId[];
  readonly keysPerGroup: number;
  private readonly readRatio: number;
  private nextValue = 1;
  /**
   * The content each client last saw per config key, for its CAS attempts: the last one it saw
   * present (a later "absent" does not clear it, so a CAS after a remove still names an md5).
   */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly rng: SeededRng,
    opts: WorkloadOptions,
  ) {
    for (const g of opts.groups) {
      if (!SUPPORTED.includes(g)) {
        throw new Error(
          `workload: no client model for group "${g}" (have ${SUPPORTED.join(', ')})`,
        );
      }
    }
    this.groups = [...opts.groups];
    const perKey = opts.clientsPerKeyMax ?? 8;
    // Clients pick keys uniformly; twice the keys the bound needs keeps sharing well under it.
    this.keysPerGroup = Math.max(1, Math.ceil((2 * opts.clients) / (perKey * this.groups.length)));
    this.readRatio = opts.readRatio ?? 0.4;
  }

  /** The next operation of one client. */
  next(process: string): ClientOp {
    const group = this.rng.pick(this.groups);
    const k = this.rng.int(this.keysPerGroup);
    switch (group) {
      case CONFIG_STORE_GROUP:
        return this.configOp(process, `cfg-${k}`);
      case INSTANCE_REGISTRY_GROUP:
        return this.registryOp(`svc-${k}`);
      case DATUM_STORE_GROUP:
        return this.datumOp(k);
      default:
        return this.metadataOp(group, `svc-${k}`);
    }
  }

  /** Learn from an outcome what the client now knows (for later CAS attempts). */
  observe(process: string, call: HistoryCall, type: string, result: unknown): void {
    if (call.group !== CONFIG_STORE_GROUP || type !== 'ok') return;
    const key = `${process}|${call.key}`;
    const r = result as { found?: boolean; content?: string } | boolean | null;
    if (call.op === 'get' && typeof r === 'object' && r !== null) {
      if (r.found) this.seen.set(key, r.content!);
    } else if (call.op === 'put') this.seen.set(key, call.value as string);
    else if (call.op === 'cas' && r === true) {
      this.seen.set(key, (call.value as { content: string }).content);
    }
  }

  private configOp(process: string, dataId: string): ClientOp {
    const group = CONFIG_STORE_GROUP;
    if (this.rng.chance(this.readRatio)) {
      return { group, kind: 'read', payload: { type: 'get', dataId } };
    }
    const content = `v${this.nextValue++}`;
    const roll = this.rng.float();
    if (roll < 0.2) {
      // CAS on the md5 of the content this client last saw. As Nacos 2.2.4's insertOrUpdateCas,
      // it updates only that content, and inserts the item if it is absent now (whatever md5
      // it names); '' when the client saw none is a plain publish (a blank casMd5).
      const last = this.seen.get(`${process}|${configKey(dataId)}`);
      const casMd5 = last === undefined ? '' : contentMd5(last);
      return { group, kind: 'write', payload: { type: 'publish', dataId, content, casMd5 } };
    }
    if (roll < 0.3) return { group, kind: 'write', payload: { type: 'remove', dataId } };
    return { group, kind: 'write', payload: { type: 'publish', dataId, content } };
  }

  private metadataOp(group: GroupId, service: string): ClientOp {
    if (this.rng.chance(this.readRatio)) {
      return { group, kind: 'read', payload: { type: 'get', service } };
    }
    if (group === SERVICE_METADATA_GROUP) {
      // Persistent services, so the registry's instances may go into them.
      const metadata = { ephemeral: false, protectThreshold: this.rng.int(10) / 10 };
      return { group, kind: 'write', payload: { type: 'CHANGE', service, metadata } };
    }
    const metadataId = `10.0.0.1:${8000 + this.rng.int(4)}:DEFAULT`;
    const metadata = { weight: 1 + this.rng.int(100) };
    return { group, kind: 'write', payload: { type: 'CHANGE', service, metadataId, metadata } };
  }

  /**
   * The v1 store as Nacos's put / remove / get use it (one key each), and now and then a batch
   * of two keys (its BatchWriteRequest and ReadRequest take several), so the history's per-key
   * split is exercised too.
   */
  private datumOp(k: number): ClientOp {
    const group = DATUM_STORE_GROUP;
    const key = datumKey(k);
    const batch = this.rng.chance(0.1) ? [key, datumKey((k + 1) % this.keysPerGroup)] : [key];
    if (this.rng.chance(this.readRatio)) {
      return { group, kind: 'read', payload: { type: 'get', keys: batch } };
    }
    if (this.rng.chance(0.2))
      return { group, kind: 'write', payload: { type: 'Delete', keys: batch } };
    const values = batch.map((key) =>
      createDatum(key, { name: key, metadata: { v: `v${this.nextValue++}` } }),
    );
    return { group, kind: 'write', payload: { type: 'Write', keys: batch, values } };
  }

  private registryOp(service: string): ClientOp {
    const group = INSTANCE_REGISTRY_GROUP;
    if (this.rng.chance(this.readRatio)) {
      return { group, kind: 'read', payload: { type: 'instances', service } };
    }
    const instance = { ip: '10.0.0.1', port: 8000 + this.rng.int(4) };
    const type = this.rng.chance(0.6) ? 'ADD' : 'DELETE';
    return { group, kind: 'write', payload: { type, service, instance } };
  }
}

type HistoryBody = Extract<TraceBody, { type: 'invoke' | 'ok' | 'fail' | 'info' }>;

/** Collects history events with their own sequence numbers (independent of the full trace). */
export class HistoryLog {
  readonly events: TraceEvent[] = [];
  private seq = 0;

  private record(node: NodeId, t: number, body: HistoryBody): void {
    this.events.push({ ...body, seq: this.seq++, t, node } as TraceEvent);
  }

  /** Record the invocation; returns the call to complete later (null: not part of a history). */
  invoke(node: NodeId, t: number, process: string, op: ClientOp): HistoryCall | null {
    const call = describeRequest(op.group, op.kind, op.payload);
    if (call) this.record(node, t, { type: 'invoke', ...call, process });
    return call;
  }

  complete(
    node: NodeId,
    t: number,
    process: string,
    call: HistoryCall,
    reply: ClientReply | null,
  ): { type: 'ok' | 'fail' | 'info'; result: unknown } {
    const outcome = describeOutcome(call, reply);
    this.record(node, t, { ...outcome, ...call, process });
    return outcome;
  }
}
