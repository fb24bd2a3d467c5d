// Simulated disks: writes complete in order after a random time; a crash loses the writes not yet
// complete; what completed survives.
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/raft/rand.ts';
import type { Entry } from '../../src/raft/types.ts';
import type { PersistBatch } from '../../src/node/types.ts';
import { emptyDurableState } from '../../src/node/storage.ts';
import { SimDisk } from '../../src/sim/disk.ts';

function batch(first: number, last: number, term = 1): PersistBatch {
  const entries: Entry[] = [];
  for (let i = first; i <= last; i++) entries.push({ index: i, term, type: 'normal', data: i });
  return {
    groups: [
      { group: 'g', hardState: { term, votedFor: 'n1', commit: 0 }, entries, snapshot: null },
    ],
  };
}

describe('SimDisk', () => {
  it('completes writes in issue order within the configured time', () => {
    const disk = new SimDisk(emptyDurableState(['g']), new SeededRng(1), {
      writeMsMin: 1,
      writeMsMax: 20,
    });
    let prev = 0;
    for (let k = 0; k < 100; k++) {
      const done = disk.write(k, batch(k + 1, k + 1), k);
      expect(done).toBeGreaterThanOrEqual(prev);
      expect(done).toBeGreaterThanOrEqual(k + 1);
      prev = done;
    }
    expect(disk.inFlight).toBe(100);
    for (let k = 0; k < 100; k++) disk.complete(k);
    expect(disk.durable.g.entries).toHaveLength(100);
  });

  it('refuses to complete out of order', () => {
    const disk = new SimDisk(emptyDurableState(['g']), new SeededRng(1));
    disk.write(1, batch(1, 1), 0);
    disk.write(2, batch(2, 2), 0);
    expect(() => disk.complete(2)).toThrow(/oldest pending is 1/);
  });

  it('loses unfinished writes on a crash and keeps completed ones', () => {
    const disk = new SimDisk(emptyDurableState(['g']), new SeededRng(1));
    disk.write(1, batch(1, 2), 0);
    disk.write(2, batch(3, 4, 2), 0);
    disk.complete(1);
    expect(disk.crash()).toBe(1);
    expect(disk.inFlight).toBe(0);
    const loaded = disk.load();
    expect(loaded.g.entries.map((e) => e.index)).toEqual([1, 2]);
    expect(loaded.g.hardState).toEqual({ term: 1, votedFor: 'n1', commit: 0 });
  });

  it('drops the entries after a snapshot that does not match the log, in the same write', () => {
    const disk = new SimDisk(emptyDurableState(['g']), new SeededRng(1));
    disk.write(1, batch(1, 4), 0);
    disk.complete(1);
    const snapshot = {
      meta: { index: 2, term: 3, conf: { voters: ['n1'], outgoing: [], learners: [] } },
      data: null,
    };
    disk.write(
      2,
      { groups: [{ group: 'g', hardState: null, entries: [], snapshot, discardLog: true }] },
      0,
    );
    disk.complete(2);
    disk.crash();
    const loaded = disk.load();
    expect(loaded.g.snapshot?.meta.index).toBe(2);
    expect(loaded.g.entries).toEqual([]);
    // Without discardLog a snapshot inside the log keeps the entries that continue it.
    const keep = new SimDisk(emptyDurableState(['g']), new SeededRng(1));
    keep.write(1, batch(1, 4), 0);
    keep.complete(1);
    keep.write(
      2,
      {
        groups: [
          {
            group: 'g',
            hardState: null,
            entries: [],
            snapshot: { ...snapshot, meta: { ...snapshot.meta, term: 1 } },
          },
        ],
      },
      0,
    );
    keep.complete(2);
    expect(keep.load().g.entries.map((e) => e.index)).toEqual([3, 4]);
  });

  it('refuses discardLog without a snapshot', () => {
    const disk = new SimDisk(emptyDurableState(['g']), new SeededRng(1));
    disk.write(
      1,
      { groups: [{ group: 'g', hardState: null, entries: [], snapshot: null, discardLog: true }] },
      0,
    );
    expect(() => disk.complete(1)).toThrow(/discardLog is only valid with a snapshot/);
  });

  it('hands a restarting node a copy it cannot alias', () => {
    const disk = new SimDisk(emptyDurableState(['g']), new SeededRng(1));
    disk.write(1, batch(1, 1), 0);
    disk.complete(1);
    const copy = disk.load();
    copy.g.entries.length = 0;
    expect(disk.durable.g.entries).toHaveLength(1);
  });
});
