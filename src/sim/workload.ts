// Simulated clients and their history. A Workload draws client operations for the config store
// and the instance registry from a seeded generator and records each one as the history events
// the linearizability checker reads (src/trace/models.ts owns their shapes): `invoke` when the
// client sends, then `ok` (took effect, with the answer), `fail` (certainly did not take effect)
// or `info` (outcome unknown: a timeout, a crash, a write in flight when its leader changed).
// Keys are spread so that about `clientsPerKeyMax` clients at most share one key, which keeps the
// check tractable (Porcupine's search is exponential in the concurrency of one key).
import type { SeededRng } from '../raft/rand.ts';
import type { GroupId, NodeId } from '../raft/types.ts';
import type { ClientReply } from '../node/types.ts';
import type { TraceBody, TraceEvent } from '../trace/events.ts';
import {
  CONFIG_STORE_GROUP,
  INSTANCE_REGISTRY_GROUP,
  configKey,
  contentMd5,
} from '../trace/models.ts';

export type HistoryBody = Extract<TraceBody, { type: 'invoke' | 'ok' | 'fail' | 'info' }>;

/** One client operation: what to send, and how its answer reads as history. */
export interface ClientOp {
  group: GroupId;
  kind: 'write' | 'read';
  /** The write op or read query as the node takes it. */
  payload: unknown;
  op: string;
  key: string;
  value: unknown;
  /** The history `ok` result for a successful reply, or null when the reply means `fail`. */
  result(value: unknown): { outcome: 'ok' | 'fail'; result: unknown };
}

export interface WorkloadOptions {
  /** Groups to drive: any of nacos_config and naming_persistent_service_v2. */
  groups: GroupId[];
  clients: number;
  /** Upper bound on clients sharing one key (the key count follows from it). */
  clientsPerKeyMax?: number;
  /** Share of reads among operations. */
  readRatio?: number;
}

interface ReplyValue {
  success?: boolean;
  data?: unknown;
  errMsg?: string;
}

const SUPPORTED: readonly GroupId[] = [CONFIG_STORE_GROUP, INSTANCE_REGISTRY_GROUP];

export class Workload {
  readonly groups: GroupId[];
  readonly keysPerGroup: number;
  private readonly readRatio: number;
  private nextValue = 1;
  /** The content each client last saw per config key, for CAS attempts. */
  private readonly seen = new Map<string, string | null>();

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
    // Clients pick keys uniformly; with keys ≥ clients / perKey × 2 the expected sharing per
    // key stays well under the bound.
    this.keysPerGroup = Math.max(1, Math.ceil((2 * opts.clients) / (perKey * this.groups.length)));
    this.readRatio = opts.readRatio ?? 0.4;
  }

  /** The next operation of one client. */
  next(process: string): ClientOp {
    const group = this.rng.pick(this.groups);
    const k = this.rng.int(this.keysPerGroup);
    return group === CONFIG_STORE_GROUP
      ? this.configOp(process, `cfg-${k}`)
      : this.registryOp(`svc-${k}`);
  }

  private configOp(process: string, dataId: string): ClientOp {
    const key = configKey(dataId);
    if (this.rng.chance(this.readRatio)) {
      return {
        group: CONFIG_STORE_GROUP,
        kind: 'read',
        payload: { type: 'get', dataId },
        op: 'get',
        key,
        value: null,
        result: (v) => {
          const d = (v as ReplyValue).data as { found: boolean; content?: string };
          this.seen.set(`${process}|${key}`, d.found ? d.content! : null);
          return {
            outcome: 'ok',
            result: d.found ? { found: true, content: d.content } : { found: false },
          };
        },
      };
    }
    const content = `v${this.nextValue++}`;
    const roll = this.rng.float();
    if (roll < 0.2) {
      // CAS on what this client last saw ('' expects the item absent).
      const last = this.seen.get(`${process}|${key}`);
      const casMd5 = last === undefined || last === null ? '' : contentMd5(last);
      return {
        group: CONFIG_STORE_GROUP,
        kind: 'write',
        payload: { type: 'publish', dataId, content, casMd5 },
        op: 'cas',
        key,
        value: { content, casMd5 },
        // The leader answers a conflict normally with success=false: it took no effect.
        result: (v) => ({ outcome: 'ok', result: (v as ReplyValue).success === true }),
      };
    }
    if (roll < 0.3) {
      return {
        group: CONFIG_STORE_GROUP,
        kind: 'write',
        payload: { type: 'remove', dataId },
        op: 'remove',
        key,
        value: null,
        result: (v) => ({ outcome: 'ok', result: (v as ReplyValue).data === true }),
      };
    }
    return {
      group: CONFIG_STORE_GROUP,
      kind: 'write',
      payload: { type: 'publish', dataId, content },
      op: 'put',
      key,
      value: content,
      result: () => ({ outcome: 'ok', result: null }),
    };
  }

  private registryOp(service: string): ClientOp {
    if (this.rng.chance(this.readRatio)) {
      return {
        group: INSTANCE_REGISTRY_GROUP,
        kind: 'read',
        payload: { type: 'instances', service },
        op: 'list',
        key: service,
        value: null,
        result: (v) => {
          const list = (v as ReplyValue).data as { ip: string; port: number }[];
          return { outcome: 'ok', result: list.map((i) => `${i.ip}:${i.port}`) };
        },
      };
    }
    const port = 8000 + this.rng.int(4);
    const instance = { ip: '10.0.0.1', port };
    const register = this.rng.chance(0.6);
    return {
      group: INSTANCE_REGISTRY_GROUP,
      kind: 'write',
      payload: { type: register ? 'ADD' : 'DELETE', service, instance },
      op: register ? 'register' : 'deregister',
      key: service,
      value: `${instance.ip}:${port}`,
      result: () => ({ outcome: 'ok', result: null }),
    };
  }
}

/** The history outcome of a client reply. */
export function historyOutcome(
  op: ClientOp,
  reply: ClientReply | null,
): { type: 'ok' | 'fail' | 'info'; result: unknown } {
  if (reply === null) return { type: 'info', result: 'no answer' };
  if (!reply.ok) {
    // A read that failed or timed out took no effect either way.
    if (reply.indeterminate && op.kind === 'write') return { type: 'info', result: reply.error };
    return { type: 'fail', result: reply.error };
  }
  const r = op.result(reply.value);
  return { type: r.outcome, result: r.result };
}

/** Collects history events with their own sequence numbers (independent of the full trace). */
export class HistoryLog {
  readonly events: TraceEvent[] = [];
  private seq = 0;

  record(node: NodeId, t: number, body: HistoryBody): void {
    this.events.push({ ...body, seq: this.seq++, t, node } as TraceEvent);
  }

  invoke(node: NodeId, t: number, process: string, op: ClientOp): void {
    this.record(node, t, {
      type: 'invoke',
      group: op.group,
      process,
      op: op.op,
      key: op.key,
      value: op.value,
    });
  }

  complete(
    node: NodeId,
    t: number,
    process: string,
    op: ClientOp,
    reply: ClientReply | null,
  ): void {
    const { type, result } = historyOutcome(op, reply);
    this.record(node, t, {
      type,
      group: op.group,
      process,
      op: op.op,
      key: op.key,
      value: op.value,
      result,
    });
  }
}
