// The IndexedDB adapter against fake-indexeddb: it must store exactly what applyPersistBatch
// describes, load it back, keep a failed transaction from changing anything, and name errors.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../raft/rand.ts';
import type { ConfState, Entry, Snapshot } from '../raft/types.ts';
import { applyPersistBatch, cloneDurableState, emptyDurableState } from '../node/storage.ts';
import type { DurableState, PersistBatch, PersistGroupBatch } from '../node/types.ts';
import {
  databaseName,
  deleteClusterDatabases,
  IdbStorage,
  SCHEMA_VERSION,
  STORES,
  StorageError,
  toStorageError,
} from './idbStorage.ts';

const G1 = 'nacos_config';
const G2 = 'naming_persistent_service_v2';
let clusterSeq = 0;
const newCluster = (): string => `test-${++clusterSeq}-${Math.floor(Math.random() * 1e9)}`;

const conf = (voters: string[]): ConfState => ({ voters, outgoing: [], learners: [] });

function entry(index: number, term: number, kind: 'normal' | 'conf' = 'normal'): Entry {
  if (kind === 'conf') {
    return {
      index,
      term,
      type: 'conf',
      data: { phase: 'simple', conf: conf(['n1', `n${index}`]) },
    };
  }
  return { index, term, type: 'normal', data: { kind: 'write', op: { dataId: `k${index}` } } };
}

async function fresh(nodeId = 'n1', clusterId = newCluster()): Promise<IdbStorage> {
  const s = await IdbStorage.open(clusterId, nodeId);
  await s.load([G1]);
  return s;
}

describe('IdbStorage', () => {
  it('creates the versioned stores and names databases by cluster and node', async () => {
    const id = newCluster();
    const s = await IdbStorage.open(id, 'n3');
    expect(s.name).toBe(databaseName(id, 'n3'));
    expect(s.name).toBe(`raft-playground/${id}/n3`);
    const raw = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(s.name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    expect(raw.version).toBe(SCHEMA_VERSION);
    expect([...raw.objectStoreNames].sort()).toEqual(Object.values(STORES).sort());
    raw.close();
    s.close();
  });

  it('loads a fresh database as empty groups with no record', async () => {
    const s = await IdbStorage.open(newCluster(), 'n1');
    const loaded = await s.load([G1, G2]);
    expect(loaded.record).toBeNull();
    expect(loaded.durable).toEqual(emptyDurableState([G1, G2]));
    s.close();
  });

  it('round-trips hard state, entries, conf entries, snapshots and the node record', async () => {
    const id = newCluster();
    const s = await fresh('n2', id);
    await s.saveRecord({
      id: 'n2',
      clusterId: id,
      members: ['n1', 'n2'],
      groups: [G1],
      join: false,
    });
    await s.write({
      groups: [
        {
          group: G1,
          hardState: { term: 2, votedFor: 'n1', commit: 1 },
          entries: [entry(1, 1), entry(2, 2, 'conf'), entry(3, 2)],
          snapshot: null,
        },
        {
          group: G2,
          hardState: { term: 1, votedFor: null, commit: 0 },
          entries: [entry(1, 1)],
          snapshot: null,
        },
      ],
    });
    s.close();
    const again = await IdbStorage.open(id, 'n2');
    const loaded = await again.load([G1]);
    expect(loaded.record).toEqual({
      id: 'n2',
      clusterId: id,
      members: ['n1', 'n2'],
      groups: [G1],
      join: false,
    });
    expect(loaded.durable[G1].hardState).toEqual({ term: 2, votedFor: 'n1', commit: 1 });
    expect(loaded.durable[G1].entries.map((e) => [e.index, e.term, e.type])).toEqual([
      [1, 1, 'normal'],
      [2, 2, 'conf'],
      [3, 2, 'normal'],
    ]);
    // A group found on disk loads even if the caller did not name it.
    expect(loaded.durable[G2].entries).toHaveLength(1);
    again.close();
  });

  it('replaces the suffix from the first entry of a batch (a conflicting leader)', async () => {
    const s = await fresh();
    await s.write({
      groups: [
        {
          group: G1,
          hardState: null,
          entries: [1, 2, 3, 4].map((i) => entry(i, 1)),
          snapshot: null,
        },
      ],
    });
    await s.write({
      groups: [{ group: G1, hardState: null, entries: [entry(3, 2, 'conf')], snapshot: null }],
    });
    const { durable } = await s.load([G1]);
    expect(durable[G1].entries.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 1],
      [3, 2],
    ]);
    s.close();
  });

  it('compacts behind a snapshot and keeps the tail that continues it', async () => {
    const s = await fresh();
    await s.write({
      groups: [
        {
          group: G1,
          hardState: null,
          entries: [1, 2, 3, 4, 5].map((i) => entry(i, 1)),
          snapshot: null,
        },
      ],
    });
    const snap: Snapshot = {
      meta: { index: 3, term: 1, conf: conf(['n1', 'n2', 'n3']) },
      data: { k: 1 },
    };
    await s.write({ groups: [{ group: G1, hardState: null, entries: [], snapshot: snap }] });
    let { durable } = await s.load([G1]);
    expect(durable[G1].snapshot).toEqual(snap);
    expect(durable[G1].entries.map((e) => e.index)).toEqual([4, 5]);
    // An installed snapshot beyond the log drops every entry.
    const later: Snapshot = { meta: { index: 9, term: 3, conf: conf(['n1']) }, data: { k: 2 } };
    await s.write({ groups: [{ group: G1, hardState: null, entries: [], snapshot: later }] });
    ({ durable } = await s.load([G1]));
    expect(durable[G1].entries).toEqual([]);
    // And entries follow it from index 10.
    await s.write({
      groups: [{ group: G1, hardState: null, entries: [entry(10, 3)], snapshot: null }],
    });
    ({ durable } = await s.load([G1]));
    expect(durable[G1].entries.map((e) => e.index)).toEqual([10]);
    s.close();
  });

  it('drops the stored entries after an installed snapshot that does not match (discardLog)', async () => {
    const id = newCluster();
    const s = await fresh('n1', id);
    // Entries 1..5 of term 1, 4 a configuration entry; a leader of term 2 then installs a
    // snapshot at 3 whose term differs: the stored entries after it are not the leader's.
    await s.write({
      groups: [
        {
          group: G1,
          hardState: { term: 1, votedFor: 'n2', commit: 1 },
          entries: [entry(1, 1), entry(2, 1), entry(3, 1), entry(4, 1, 'conf'), entry(5, 1)],
          snapshot: null,
        },
      ],
    });
    const snap: Snapshot = { meta: { index: 3, term: 2, conf: conf(['n1', 'n2']) }, data: 3 };
    await s.write({
      groups: [{ group: G1, hardState: null, entries: [], snapshot: snap, discardLog: true }],
    });
    s.close();
    // A restart (a new connection) reads back the snapshot and nothing after it.
    const again = await IdbStorage.open(id, 'n1');
    const { durable } = await again.load([G1]);
    expect(durable[G1].snapshot).toEqual(snap);
    expect(durable[G1].entries).toEqual([]);
    // And the log continues from the snapshot.
    await again.write({
      groups: [{ group: G1, hardState: null, entries: [entry(4, 2)], snapshot: null }],
    });
    const { durable: after } = await again.load([G1]);
    expect(after[G1].entries).toEqual([entry(4, 2)]);
    again.close();
  });

  it("stores a group's boot number and reads it back after a restart", async () => {
    const id = newCluster();
    const s = await fresh('n1', id);
    expect((await s.load([G1])).durable[G1].incarnation).toBeUndefined();
    await s.write({
      groups: [{ group: G1, hardState: null, entries: [], snapshot: null, incarnation: 3 }],
    });
    // Later batches without it leave it alone.
    await s.write({
      groups: [{ group: G1, hardState: null, entries: [entry(1, 1)], snapshot: null }],
    });
    s.close();
    const again = await IdbStorage.open(id, 'n1');
    const { durable } = await again.load([G1]);
    expect(durable[G1].incarnation).toBe(3);
    await expect(
      again.write({
        groups: [{ group: G1, hardState: null, entries: [], snapshot: null, incarnation: 0 }],
      }),
    ).rejects.toThrow(/incarnation must be a positive integer, got 0/);
    again.close();
  });

  it('deletes segments a snapshot or a later batch supersedes entirely', async () => {
    const s = await fresh();
    const write = (entries: Entry[], snapshot: Snapshot | null = null) =>
      s.write({ groups: [{ group: G1, hardState: null, entries, snapshot }] });
    const records = async (): Promise<number[]> => {
      const db = await new Promise<IDBDatabase>((resolve) => {
        const req = indexedDB.open(s.name);
        req.onsuccess = () => resolve(req.result);
      });
      const keys = await new Promise<IDBValidKey[]>((resolve) => {
        const req = db.transaction(STORES.segments).objectStore(STORES.segments).getAllKeys();
        req.onsuccess = () => resolve(req.result);
      });
      db.close();
      return keys.map((k) => (k as [string, number])[1]);
    };
    await write([entry(1, 1), entry(2, 1)]);
    await write([entry(3, 1), entry(4, 1), entry(5, 1)]);
    await write([entry(6, 1)]);
    expect(await records()).toEqual([1, 3, 6]);
    // A conflicting batch from 4 replaces segment 6 and overrides the tail of segment 3.
    await write([entry(4, 2)]);
    expect(await records()).toEqual([1, 3, 4]);
    // A snapshot at 3 makes segments 1 and 3 wholly obsolete.
    await write([], { meta: { index: 3, term: 1, conf: conf(['n1']) }, data: null });
    expect(await records()).toEqual([4]);
    const { durable } = await s.load([G1]);
    expect(durable[G1].entries.map((e) => [e.index, e.term])).toEqual([[4, 2]]);
    s.close();
  });

  it('refuses a batch that would leave a gap, and stores nothing of it', async () => {
    const s = await fresh();
    await s.write({
      groups: [{ group: G1, hardState: null, entries: [entry(1, 1)], snapshot: null }],
    });
    const bad: PersistBatch = {
      groups: [
        {
          group: G1,
          hardState: { term: 9, votedFor: null, commit: 0 },
          entries: [entry(5, 9)],
          snapshot: null,
        },
      ],
    };
    await expect(s.write(bad)).rejects.toThrow(/entries start at 5 but the disk ends at 1/);
    const { durable } = await s.load([G1]);
    expect(durable[G1].hardState.term).toBe(0);
    expect(durable[G1].entries.map((e) => e.index)).toEqual([1]);
    s.close();
  });

  it('aborts the whole transaction when one put fails, and says why', async () => {
    const s = await fresh();
    const unclonable = { index: 2, term: 1, type: 'normal', data: () => 0 } as unknown as Entry;
    const err = await s
      .write({
        groups: [
          {
            group: G1,
            hardState: { term: 1, votedFor: null, commit: 0 },
            entries: [entry(1, 1), unclonable],
            snapshot: null,
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).message).toMatch(/write/);
    const { durable } = await s.load([G1]);
    expect(durable[G1]).toEqual(emptyDurableState([G1])[G1]);
    s.close();
  });

  it('reports an injected quota error as kind "quota", then writes again', async () => {
    const s = await fresh();
    s.failNextWrite('quota');
    const err = (await s
      .write({ groups: [{ group: G1, hardState: null, entries: [entry(1, 1)], snapshot: null }] })
      .catch((e: unknown) => e)) as StorageError;
    expect(err.kind).toBe('quota');
    expect(err.message).toMatch(/quota exceeded/);
    await s.write({
      groups: [{ group: G1, hardState: null, entries: [entry(1, 1)], snapshot: null }],
    });
    s.close();
  });

  it('classifies DOM errors', () => {
    const quota = Object.assign(new Error('full'), { name: 'QuotaExceededError' });
    expect(toStorageError(quota, 'db: write').kind).toBe('quota');
    const closed = Object.assign(new Error('closing'), { name: 'InvalidStateError' });
    expect(toStorageError(closed, 'db: write').kind).toBe('closed');
    expect(toStorageError(new Error('x'), 'db: write').message).toBe('db: write: Error: x');
  });

  it('refuses to write once closed', async () => {
    const s = await fresh();
    s.close();
    await expect(
      s.write({ groups: [{ group: G1, hardState: null, entries: [entry(1, 1)], snapshot: null }] }),
    ).rejects.toMatchObject({ kind: 'closed' });
  });

  it('deletes every database of a cluster', async () => {
    const id = newCluster();
    for (const n of ['n1', 'n2']) {
      const s = await fresh(n, id);
      await s.write({
        groups: [{ group: G1, hardState: null, entries: [entry(1, 1)], snapshot: null }],
      });
      s.close();
    }
    await deleteClusterDatabases(id, ['n1']);
    const names = (await indexedDB.databases()).map((d) => d.name);
    expect(names.filter((n) => n?.startsWith(`raft-playground/${id}/`))).toEqual([]);
  });

  it('matches applyPersistBatch over random batch sequences (seeded)', async () => {
    const seed = 20240611;
    const rng = new SeededRng(seed);
    for (let run = 0; run < 25; run++) {
      const id = newCluster();
      let s = await IdbStorage.open(id, 'n1');
      await s.load([G1, G2]);
      let model: DurableState = emptyDurableState([G1, G2]);
      for (let step = 0; step < 60; step++) {
        const batch = randomBatch(rng, model);
        await s.write(batch);
        applyPersistBatch(model, batch);
        if (step % 7 === 6 || step === 59) {
          // Sometimes as a restart would: a new connection that knows only what it loads.
          if (rng.chance(0.5)) {
            s.close();
            s = await IdbStorage.open(id, 'n1');
          }
          const { durable } = await s.load([G1, G2]);
          expect(durable, `seed ${seed}, run ${run}, step ${step}`).toEqual(model);
          model = cloneDurableState(model);
        }
      }
      s.close();
    }
  });
});

/** A batch the Raft core could produce: appends, suffix replacements, snapshots, hard states. */
function randomBatch(rng: SeededRng, model: DurableState): PersistBatch {
  const groups: PersistGroupBatch[] = [];
  for (const group of [G1, G2]) {
    if (!rng.chance(0.7)) continue;
    const g = model[group];
    const base = g.snapshot?.meta.index ?? 0;
    const last = base + g.entries.length;
    const term = g.hardState.term + (rng.chance(0.2) ? 1 : 0);
    const part: PersistGroupBatch = { group, hardState: null, entries: [], snapshot: null };
    let after = { base, last };
    if (rng.chance(0.15)) {
      // A local snapshot inside the log, or an installed one beyond it.
      const index =
        rng.chance(0.5) && last > base ? rng.range(base + 1, last) : last + rng.range(1, 5);
      part.snapshot = { meta: { index, term, conf: conf(['n1', 'n2']) }, data: { at: index } };
      // An installed snapshot that does not match the log drops the stored entries after it.
      if (index < last && rng.chance(0.3)) part.discardLog = true;
      after =
        index < last && !part.discardLog ? { base: index, last } : { base: index, last: index };
    }
    if (rng.chance(0.8)) {
      const from =
        rng.chance(0.3) && after.last > after.base
          ? rng.range(after.base + 1, after.last)
          : after.last + 1;
      const n = rng.range(1, 6);
      for (let i = 0; i < n; i++)
        part.entries.push(entry(from + i, term, rng.chance(0.1) ? 'conf' : 'normal'));
    }
    if (rng.chance(0.6))
      part.hardState = { term, votedFor: rng.chance(0.5) ? 'n2' : null, commit: after.base };
    if (rng.chance(0.1)) part.incarnation = (g.incarnation ?? 0) + 1;
    groups.push(part);
  }
  return { groups };
}
