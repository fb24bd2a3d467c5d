// A benchmark worker with no Raft in it: it measures this browser's raw ceilings for
// test/bench/browser.bench.ts through the same IndexedDB adapter the nodes use:
//   - replay: a given sequence of transaction sizes, one after another (the one-put strict
//     transaction of the latency floor);
//   - open / once / close: one database held open, and one strict one-put transaction each time
//     the page says so (N of these workers told at once: how long a cluster's majority of
//     transactions takes when all of them go to one backing store);
//   - rawBurst: transactions of a fixed size (256 entries, or 1) back to back for a given time,
//     the raw throughput ceiling when N of these workers run at once, each into its own
//     database, in its own storage bucket or all in the default one;
// and it answers pings on a MessagePort for the worker-to-worker round trip. Plain postMessage
// protocol: { id, cmd, args } in, { id, result } or { id, error } out.
import { IdbStorage, type Durability } from '../../src/runtime/idbStorage.ts';
import type { Entry } from '../../src/raft/types.ts';

interface Request {
  id: number;
  cmd: 'replay' | 'rawBurst' | 'connect' | 'ping' | 'echo' | 'open' | 'once' | 'close';
  args: unknown[];
}

let peer: MessagePort | null = null;
/** The database of open/once/close, and the next index it writes. */
let held: { storage: IdbStorage; next: number } | null = null;
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

/**
 * Write strict transactions of `perTx` entries back to back (one in flight, as a node does)
 * until `durationMs` has passed, into a fresh database `name`, with the adapter's layout (one
 * segment put and one hard-state put per transaction): in its own storage bucket when `bucket`
 * is set (a bucket has its own backing store), else in the default bucket. Writing starts at
 * `startAtMs` (a wall time shared by every worker of the run), so all workers write over the
 * same window and the cost of opening is not counted. The database is deleted afterwards.
 */
async function rawBurst(
  name: string,
  bucket: boolean,
  perTx: number,
  payloadBytes: number,
  startAtMs: number,
  durationMs: number,
): Promise<{ ms: number; transactions: number; entries: number }> {
  const nav = navigator as unknown as {
    storageBuckets?: {
      open(n: string, o: object): Promise<{ indexedDB: IDBFactory }>;
      delete(n: string): Promise<void>;
    };
  };
  let factory: IDBFactory = indexedDB;
  const bucketName = name.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  if (bucket) {
    if (nav.storageBuckets === undefined) throw new Error('no navigator.storageBuckets');
    factory = (await nav.storageBuckets.open(bucketName, { durability: 'strict' })).indexedDB;
  }
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const req = factory.open(name, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore('segments');
      req.result.createObjectStore('hard');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('open failed'));
  });
  let next = 1;
  const wait = startAtMs - (performance.timeOrigin + performance.now());
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  let transactions = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    const batch: Entry[] = [];
    const first = next;
    for (let k = 0; k < perTx; k++) batch.push(entryAt(next++, payloadBytes));
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(['segments', 'hard'], 'readwrite', { durability: 'strict' });
      tx.objectStore('segments').put(batch, first);
      tx.objectStore('hard').put({ term: 1, votedFor: 'n1', commit: next - 1 }, 'g');
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error('aborted'));
    });
    transactions++;
  }
  const ms = performance.now() - started;
  db.close();
  await new Promise((r) => {
    const req = factory.deleteDatabase(name);
    req.onsuccess = req.onerror = req.onblocked = () => r(null);
  });
  if (bucket) await nav.storageBuckets!.delete(bucketName);
  return { ms, transactions, entries: transactions * perTx };
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
    } else if (cmd === 'rawBurst') {
      const [name, bucket, perTx, payloadBytes, startAtMs, durationMs] = args as [
        string,
        boolean,
        number,
        number,
        number,
        number,
      ];
      result = await rawBurst(name, bucket, perTx, payloadBytes, startAtMs, durationMs);
    } else if (cmd === 'open') {
      const [clusterId, nodeId] = args as [string, string];
      const storage = await IdbStorage.open(clusterId, nodeId, { durability: 'strict' });
      await storage.load([GROUP]);
      held = { storage, next: 1 };
    } else if (cmd === 'once') {
      const h = held!;
      const index = h.next++;
      await h.storage.write({
        groups: [
          {
            group: GROUP,
            hardState: { term: 1, votedFor: 'n1', commit: index },
            entries: [entryAt(index, args[0] as number)],
            snapshot: null,
          },
        ],
      });
    } else if (cmd === 'close') {
      held?.storage.close();
      held = null;
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
