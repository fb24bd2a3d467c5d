// Where the nodes' databases live in a browser with Storage Buckets: each node in a bucket of
// its own (its own backing store, so the nodes' strict commits do not queue behind each other,
// see src/runtime/idbStorage.ts), a database made earlier in the default bucket still opened
// where it is, and reset deleting the buckets. Lesson timings; every wait is a bounded poll.
import { describe, expect, it } from 'vitest';
import { agreedLeader, playgroundSuite } from './harness.ts';

const { cluster, page } = playgroundSuite(3);

/** Every database of the app in this browser, as "bucket: name" ("default" for none). */
const allDatabases = (p: Awaited<ReturnType<typeof page>>) =>
  p.page.evaluate(async () => {
    const out: string[] = [];
    for (const d of await indexedDB.databases()) {
      if (d.name?.startsWith('raft-playground/')) out.push(`default: ${d.name}`);
    }
    const buckets = (
      navigator as unknown as {
        storageBuckets: {
          keys(): Promise<string[]>;
          open(n: string): Promise<{ indexedDB: IDBFactory }>;
        };
      }
    ).storageBuckets;
    for (const key of await buckets.keys()) {
      for (const d of await (await buckets.open(key)).indexedDB.databases()) {
        out.push(`${key}: ${d.name}`);
      }
    }
    return out.sort();
  });

describe('storage buckets', () => {
  it('keeps each node in its own bucket, and reset deletes them', async () => {
    // Textbook routing: the write at n1 must not depend on whether n1's Nacos route table has
    // been filled yet (first one election timeout after boot); this test is about storage.
    const p = await cluster({ fidelity: 'textbook' });
    await agreedLeader(p);
    const id = await p.page.evaluate(() => window.playground.cluster!.clusterId);
    const dbs = await allDatabases(p);
    const mine = dbs.filter((d) => d.includes(`raft-playground/${id}/`));
    expect(mine).toHaveLength(3);
    const buckets = mine.map((d) => d.split(': ')[0]);
    expect(new Set(buckets).size).toBe(3);
    for (const b of buckets) expect(b).toMatch(/^raft-playground-[0-9a-f]{16}-n[1-3]$/);
    expect(
      await p.page.evaluate(() =>
        window.playground.write('n1', 'nacos_config', {
          type: 'publish',
          dataId: 'a',
          content: 'v1',
        }),
      ),
    ).toMatchObject({ ok: true });
    await p.page.evaluate(() => window.playground.reset());
    expect((await allDatabases(p)).filter((d) => d.includes(`raft-playground/${id}/`))).toEqual([]);
    expect(p.problems).toEqual([]);
  });

  it('opens a database made in the default bucket where it is, and lists and deletes both', async () => {
    const p = await page();
    const result = await p.page.evaluate(async () => {
      // A dynamic import the test runner does not rewrite: Vite serves the module to the page.
      const importInPage = new Function('url', 'return import(url)') as (u: string) => unknown;
      const m = (await importInPage(
        '/src/runtime/idbStorage.ts',
      )) as typeof import('../../src/runtime/idbStorage.ts');
      const clusterId = `legacy-${Math.random().toString(36).slice(2, 8)}`;
      // n1's database as an older version made it: in the default bucket, with one entry.
      await new Promise<void>((resolve, reject) => {
        const req = indexedDB.open(m.databaseName(clusterId, 'n1'), m.SCHEMA_VERSION);
        req.onupgradeneeded = () => {
          for (const store of Object.values(m.STORES)) req.result.createObjectStore(store);
        };
        req.onsuccess = () => {
          req.result.close();
          resolve();
        };
        req.onerror = () => reject(req.error ?? new Error('open failed'));
      });
      const s1 = await m.IdbStorage.open(clusterId, 'n1');
      await s1.load(['g']);
      const entry = { index: 1, term: 1, type: 'noop' as const, data: null };
      await s1.write({
        groups: [
          {
            group: 'g',
            hardState: { term: 1, votedFor: null, commit: 0 },
            entries: [entry],
            snapshot: null,
          },
        ],
      });
      s1.close();
      const s2 = await m.IdbStorage.open(clusterId, 'n2');
      s2.close();
      const again = await m.IdbStorage.open(clusterId, 'n1');
      const loaded = await again.load(['g']);
      again.close();
      const defaults = (await indexedDB.databases()).map((d) => d.name);
      const listed = await m.clusterNodeIds(clusterId);
      await m.deleteClusterDatabases(clusterId, ['n1', 'n2']);
      return {
        n1Entries: loaded.durable.g.entries.length,
        n1InDefault: defaults.includes(m.databaseName(clusterId, 'n1')),
        n2InDefault: defaults.includes(m.databaseName(clusterId, 'n2')),
        listed,
        afterDelete: await m.clusterNodeIds(clusterId),
      };
    });
    expect(result).toEqual({
      n1Entries: 1,
      n1InDefault: true,
      n2InDefault: false,
      listed: ['n1', 'n2'],
      afterDelete: [],
    });
  });
});
