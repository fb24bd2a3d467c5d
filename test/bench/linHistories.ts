// Long client histories for the linearizability checker's benchmark and tests: a seeded,
// deterministic run of closed-loop clients against one real sequential store per key, written
// as the history events the simulator records (invoke / ok / info). Every history it makes is
// linearizable by construction: each operation takes effect at one point between its call and
// its return (its linearization point), and its answer is computed from the store there.
//
// Shape: `keys` keys, `clientsPerKey` clients bound to each key (so at most that many completed
// operations of a key overlap), `operations` operations in all. A share `unknownRatio` of the
// operations end with an unknown outcome (`info`, as a timeout does): of those, a third took
// effect before the timeout, a third take effect later (long after, like a forward still in
// flight), and a third never take effect. As Jepsen does, the client then goes on under a new
// process name. Reads of unknown outcome are kept out (the history drops them anyway).
import { SeededRng } from '../../src/raft/rand.ts';
import type { TraceEvent } from '../../src/trace/events.ts';
import {
  CONFIG_STORE_GROUP,
  INSTANCE_REGISTRY_GROUP,
  configKey,
  contentMd5,
} from '../../src/trace/models.ts';

export type LinModel = 'config' | 'registry';

export interface LinHistoryShape {
  model: LinModel;
  operations: number;
  keys: number;
  clientsPerKey: number;
  /** Share of operations whose outcome is unknown (info), 0..1. */
  unknownRatio: number;
  seed: number;
}

interface Op {
  process: string;
  client: number;
  key: number;
  op: string;
  value: unknown;
  applied: boolean;
  result: unknown;
  unknown: boolean;
}

/** The real store of one key: its state and how each operation changes it and answers. */
interface Store {
  next(rng: SeededRng, fresh: string, client: number): { op: string; value: unknown };
  run(op: string, value: unknown): unknown;
  /** The client saw this answer to this op (for later CAS attempts). */
  observe(client: number, op: string, value: unknown, result: unknown): void;
}

function configStore(): Store {
  let state: string | null = null;
  // The content each client last saw present (see src/sim/workload.ts).
  const seen = new Map<number, string>();
  return {
    next(rng, fresh, client) {
      const r = rng.int(10);
      if (r < 4) return { op: 'get', value: null };
      if (r < 6) {
        // CAS on what this client last saw, as the simulator's workload does: inserts the item
        // if it is absent, whatever md5 it names; '' (never saw one) is a plain publish.
        const last = seen.get(client);
        return {
          op: 'cas',
          value: { content: fresh, casMd5: last === undefined ? '' : contentMd5(last) },
        };
      }
      if (r < 7) return { op: 'remove', value: null };
      return { op: 'put', value: fresh };
    },
    run(op, value) {
      switch (op) {
        case 'put':
          state = value as string;
          return contentMd5(state);
        case 'cas': {
          const v = value as { content: string; casMd5: string };
          // Nacos 2.2.4's insertOrUpdateCas.
          const applies = v.casMd5 === '' || state === null || contentMd5(state) === v.casMd5;
          if (applies) state = v.content;
          return applies;
        }
        case 'remove': {
          const existed = state !== null;
          state = null;
          return existed;
        }
        default:
          return state === null
            ? { found: false }
            : { found: true, content: state, md5: contentMd5(state) };
      }
    },
    observe(client, op, value, result) {
      if (op === 'get') {
        const r = result as { found: boolean; content?: string };
        if (r.found) seen.set(client, r.content!);
      } else if (op === 'put') seen.set(client, value as string);
      else if (op === 'cas' && result === true) {
        seen.set(client, (value as { content: string }).content);
      }
    },
  };
}

function registryStore(): Store {
  const instances = new Set<string>();
  return {
    next(rng) {
      const r = rng.int(10);
      if (r < 4) return { op: 'list', value: null };
      const instance = `10.0.0.1:${8000 + rng.int(4)}`;
      return { op: r < 8 ? 'register' : 'deregister', value: instance };
    },
    run(op, value) {
      if (op === 'register') instances.add(value as string);
      else if (op === 'deregister') instances.delete(value as string);
      else return [...instances].reverse(); // any order
      return null;
    },
    observe() {},
  };
}

const READS = new Set(['get', 'list']);

/** A linearizable history of the given shape, as trace events in seq order. */
export function linearizableHistory(shape: LinHistoryShape): TraceEvent[] {
  const rng = new SeededRng(shape.seed);
  const group = shape.model === 'config' ? CONFIG_STORE_GROUP : INSTANCE_REGISTRY_GROUP;
  const stores = Array.from({ length: shape.keys }, () =>
    shape.model === 'config' ? configStore() : registryStore(),
  );
  const keyName = (k: number): string =>
    shape.model === 'config' ? configKey(`cfg-${k}`) : `svc-${k}`;
  const clients = shape.keys * shape.clientsPerKey;
  const generation = new Int32Array(clients);
  const inFlight: (Op | null)[] = new Array<Op | null>(clients).fill(null);
  const ghosts: Op[] = []; // unknown outcomes that may still take effect
  const events: TraceEvent[] = [];
  let fresh = 0;
  let invoked = 0;
  const emit = (type: TraceEvent['type'], o: Op, result?: unknown): void => {
    const seq = events.length;
    events.push({
      type,
      group,
      process: o.process,
      op: o.op,
      key: keyName(o.key),
      value: o.value,
      ...(type === 'invoke' ? {} : { result }),
      seq,
      t: seq,
      node: 'n1',
    } as TraceEvent);
  };
  const apply = (o: Op): void => {
    o.result = stores[o.key].run(o.op, o.value);
    o.applied = true;
  };
  let open = 0;
  while (invoked < shape.operations || open > 0) {
    if (ghosts.length > 0 && rng.int(16) === 0) {
      const i = rng.int(ghosts.length);
      apply(ghosts[i]);
      ghosts[i] = ghosts[ghosts.length - 1];
      ghosts.pop();
    }
    const c = rng.int(clients);
    const o = inFlight[c];
    if (o === null) {
      if (invoked >= shape.operations) continue;
      const key = Math.floor(c / shape.clientsPerKey);
      const { op, value } = stores[key].next(rng, `v${fresh++}`, c);
      const unknown = !READS.has(op) && rng.float() < shape.unknownRatio / 0.6;
      const next: Op = {
        process: `c${c}.${generation[c]}`,
        client: c,
        key,
        op,
        value,
        applied: false,
        result: undefined,
        unknown,
      };
      inFlight[c] = next;
      invoked++;
      open++;
      emit('invoke', next);
      continue;
    }
    if (!o.applied && !o.unknown) {
      apply(o);
      continue;
    }
    if (!o.applied) {
      // Unknown outcome: took effect already, will take effect later, or never.
      const fate = rng.int(3);
      if (fate === 0) apply(o);
      else if (fate === 1) ghosts.push(o);
    }
    if (o.unknown) {
      emit('info', o, 'timeout');
      generation[c]++;
    } else {
      emit('ok', o, o.result);
      stores[o.key].observe(c, o.op, o.value, o.result);
    }
    inFlight[c] = null;
    open--;
  }
  return events;
}

/**
 * The same history with one completed read made to return what it could not: a config get that
 * returns a content overwritten by a put that completed before the get was called (contents
 * are unique, so no order explains it), or a registry list that misses an instance whose
 * register completed before the list was called and was not deregistered since. Returns the
 * tampered events and the seq of the read changed.
 */
export function plantStaleRead(
  events: readonly TraceEvent[],
  model: LinModel,
  fromSeq: number,
): { events: TraceEvent[]; seq: number } {
  const out = events.map((e) => ({ ...e })) as TraceEvent[];
  type Client = Extract<TraceEvent, { type: 'invoke' | 'ok' }>;
  const invokes = new Map<string, Client>();
  // Every deregister's span (return Infinity while open or unknown), for the registry.
  const deregisters: { key: string; value: unknown; call: number; ret: number }[] = [];
  const open = new Map<string, { call: number; ret: number }>();
  for (const e of out) {
    if (e.type === 'invoke' && e.op === 'deregister') {
      const span = { key: e.key, value: e.value, call: e.seq, ret: Infinity };
      deregisters.push(span);
      open.set(e.process, span);
    } else if (e.type === 'ok' && e.op === 'deregister') open.get(e.process)!.ret = e.seq;
  }
  // Per key: the puts (config) or registrations (registry) completed so far, with their spans.
  const completedWrites = new Map<string, { value: unknown; call: number; ret: number }[]>();
  for (const e of out) {
    if (e.type === 'invoke') {
      invokes.set(e.process, e as Client);
      continue;
    }
    if (e.type !== 'ok') continue;
    const inv = invokes.get(e.process)!;
    const writes = completedWrites.get(e.key) ?? [];
    if (model === 'config' && e.op === 'get' && e.seq >= fromSeq) {
      // Two puts completed one after the other before the get was called: return the older.
      const before = writes.filter((w) => w.ret < inv.seq);
      for (let j = before.length - 1; j >= 1; j--) {
        const older = before.slice(0, j).find((w) => w.ret < before[j].call);
        if (older === undefined) continue;
        const content = older.value as string;
        (e as { result: unknown }).result = { found: true, content, md5: contentMd5(content) };
        return { events: out, seq: e.seq };
      }
    }
    if (model === 'registry' && e.op === 'list' && e.seq >= fromSeq) {
      // A registration completed before the list was called, and no deregister of that
      // instance could take effect between the two: the list must show it.
      for (const w of writes) {
        if (w.ret >= inv.seq) continue;
        const undone = deregisters.some(
          (d) => d.key === e.key && d.value === w.value && d.call < e.seq && d.ret > w.call,
        );
        if (undone) continue;
        const listed = (e as { result: string[] }).result.filter((x) => x !== w.value);
        (e as { result: unknown }).result = listed;
        return { events: out, seq: e.seq };
      }
    }
    if ((model === 'config' && e.op === 'put') || (model === 'registry' && e.op === 'register')) {
      writes.push({ value: inv.value, call: inv.seq, ret: e.seq });
      completedWrites.set(e.key, writes);
    }
  }
  throw new Error('plantStaleRead: no read to tamper with after seq ' + fromSeq);
}
