// A benchmark worker with no Raft in it: it measures this browser's raw ceilings for
// test/bench/browser.bench.ts. It replays a sequence of storage transactions (the batch sizes a
// Raft node produced) through the same IndexedDB adapter, and answers pings on a MessagePort
// for the worker-to-worker round trip. Plain postMessage protocol: { id, cmd, args } in,
// { id, result } or { id, error } out.
import { IdbStorage, type Durability } from '../src/runtime/idbStorage.ts';
import type { Entry } from '../src/raft/types.ts';

interface Request {
  id: number;
  cmd: 'replay' | 'connect' | 'ping' | 'echo';
  args: unknown[];
}

let peer: MessagePort | null = null;
const GROUP = 'nacos_config';

function entryAt(index: number, payloadBytes: number): Entry {
  return {
    index,
    term: 1,
    type: 'normal',
    data: {
      kind: 'write',
      op: { type: 'publish', dataId: `k${index}`, content: 'x'.repeat(payloadBytes) },
    },
  };
}

/**
 * Write transactions of the given sizes one after another (as a node does: one in flight),
 * each with its entries and a hard state. Returns the wall time taken and per-tx latencies.
 */
async function replay(
  clusterId: string,
  nodeId: string,
  sizes: number[],
  payloadBytes: number,
  durability: Durability,
): Promise<{ ms: number; transactions: number; entries: number; txMs: number[] }> {
  const storage = await IdbStorage.open(clusterId, nodeId, { durability });
  await storage.load([GROUP]);
  let next = 1;
  let entries = 0;
  const txMs: number[] = [];
  const started = performance.now();
  for (const n of sizes) {
    const batch: Entry[] = [];
    for (let k = 0; k < n; k++) batch.push(entryAt(next++, payloadBytes));
    entries += n;
    const t0 = performance.now();
    await storage.write({
      groups: [
        {
          group: GROUP,
          hardState: { term: 1, votedFor: 'n1', commit: next - 1 },
          entries: batch,
          snapshot: null,
        },
      ],
    });
    txMs.push(performance.now() - t0);
  }
  const ms = performance.now() - started;
  storage.close();
  return { ms, transactions: sizes.length, entries, txMs };
}

/** Sequential round trips to the peer; returns each in ms. */
async function ping(count: number): Promise<number[]> {
  const port = peer;
  if (port === null) throw new Error('no peer');
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      port.onmessage = () => resolve();
      port.postMessage(i);
    });
    out.push(performance.now() - t0);
  }
  return out;
}

self.onmessage = async (ev: MessageEvent<Request>) => {
  const { id, cmd, args } = ev.data;
  try {
    let result: unknown = null;
    if (cmd === 'replay') {
      const [clusterId, nodeId, sizes, payloadBytes, durability] = args as [
        string,
        string,
        number[],
        number,
        Durability,
      ];
      result = await replay(clusterId, nodeId, sizes, payloadBytes, durability);
    } else if (cmd === 'connect') {
      peer = args[0] as MessagePort;
    } else if (cmd === 'echo') {
      const port = peer!;
      port.onmessage = (m) => port.postMessage(m.data);
    } else if (cmd === 'ping') {
      result = await ping(args[0] as number);
    }
    self.postMessage({ id, result });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
