// Where the nodes' databases live in a browser with Storage Buckets: every node in the default
// bucket (a bucket's transactions stall in Chromium 150 under a cluster's load, see
// src/runtime/idbStorage.ts), a database an earlier version made in a bucket of its own still
// opened where it is, and reset deleting both. Lesson timings; every wait is a bounded poll.
import { describe, expect, it } from 'vitest';
import { agreedLeader, playgroundSuite, waitFor } from './harness.ts';

const { cluster, page } = playgroundSuite(3);

/** The part of navigator.storageBuckets these tests use (not in TypeScript's DOM types yet). */
interface Buckets {
  keys(): Promise<string[]>;
  open(n: string): Promise<{ indexedDB: IDBFactory }>;
}

/** Every database of the app in this browser, as "bucket: name" ("default" for none). */
const allDatabases = (p: Awaited<ReturnType<typeof page>>) =>
  p.page.evaluate(async () => {
    const out: string[] = [];
    for (const d of await indexedDB.databases()) {
      if (d.name?.startsWith('raft-playground/')) out.push(`default: ${d.name}`);
    }
    const buckets = (navigator as unknown as { storageBuckets: Buckets }).storageBuckets;
    for (const key of await buckets.keys()) {
      for (const d of await (await buckets.open(key)).indexedDB.databases()) {
        out.push(`${key}: ${d.name}`);
      }
    }
    return out.sort();
  });

describe('storage buckets', () => {
  it('keeps every node in the default bucket, and reset deletes them', async () => {
    // Textbook routing: the write at n1 must not depend on whether n1's Nacos route table has
    // been filled yet (first one election timeout after boot); this test is about storage.
    const p = await cluster({ fidelity: 'textbook' });
    await agreedLeader(p);
    const id = await p.page.evaluate(() => window.playground.cluster!.clusterId);
    const dbs = await allDatabases(p);
    const mine = dbs.filter((d) => d.includes(`raft-playground/${id}/`));
    expect(mine).toEqual(['n1', 'n2', 'n3'].map((n) => `default: raft-playground/${id}/${n}`));
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

  it('keeps every node writing to its disk under a steady stream of writes', async () => {
    // In the nodes' own buckets (Chromium 150) a node's transaction stopped being served within
    // seconds of a stream like this one: its applied index froze and every write timed out.
    const p = await cluster({ fidelity: 'textbook' });
    const leader = await agreedLeader(p);
    const outcome = await p.page.evaluate(async (to) => {
      const pg = window.playground;
      const replies: Promise<unknown>[] = [];
      const start = performance.now();
      // 100 writes a second for 12 s, each sent when it is due.
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          const due = Math.min(1200, Math.floor((performance.now() - start) / 10));
          while (replies.length < due) {
            const k = replies.length;
            replies.push(
              pg.write(to, 'nacos_config', {
                type: 'publish',
                dataId: `s${k % 16}`,
                content: `v${k}`,
              }),
            );
          }
          if (replies.length === 1200) {
            clearInterval(timer);
            resolve();
          }
        }, 10);
      });
      const settled = (await Promise.all(replies)) as { ok?: boolean; error?: string }[];
      const errors = settled.filter((r) => r.ok !== true).map((r) => String(r.error));
      return { sent: settled.length, errors: [...new Set(errors)] };
    }, leader);
    expect(outcome).toEqual({ sent: 1200, errors: [] });
    // Every node applies everything: no disk left behind.
    await waitFor(
      p.page,
      'every node applied the whole log',
      async () => {
        const s = await window.playground.status();
        const gs = Object.values(s.nodes).map((n) => n.groups!.nacos_config);
        const last = Math.max(...gs.map((g) => g.lastIndex));
        if (gs.some((g) => g.applied < last)) {
          throw new Error(gs.map((g) => `${g.applied}/${g.lastIndex}`).join(' '));
        }
        return last;
      },
      null,
      30_000,
    );
    expect(p.problems).toEqual([]);
  });

  it('opens a database an earlier version made in its own bucket where it is, and lists and deletes both', async () => {
    const p = await page();
    const result = await p.page.evaluate(async () => {
      // A dynamic import the test runner does not rewrite: Vite serves the module to the page.
      const importInPage = new Function('url', 'return import(url)') as (u: string) => unknown;
      const m = (await importInPage(
        '/src/runtime/idbStorage.ts',
      )) as typeof import('../../src/runtime/idbStorage.ts');
      const buckets = (navigator as unknown as { storageBuckets: Buckets }).storageBuckets;
      const clusterId = `legacy-${Math.random().toString(36).slice(2, 8)}`;
      // n1's database as an earlier version made it: in a bucket of its own, with one entry.
      const bucket = m.bucketName(clusterId, 'n1');
      const own = (await buckets.open(bucket)).indexedDB;
      await new Promise<void>((resolve, reject) => {
        const req = own.open(m.databaseName(clusterId, 'n1'), m.SCHEMA_VERSION);
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
      const inBucket = (await own.databases()).map((d) => d.name);
      const listed = await m.clusterNodeIds(clusterId);
      await m.deleteClusterDatabases(clusterId, ['n1', 'n2']);
      return {
        n1Entries: loaded.durable.g.entries.length,
        n1InBucket: inBucket.includes(m.databaseName(clusterId, 'n1')),
        n1InDefault: defaults.includes(m.databaseName(clusterId, 'n1')),
        n2InDefault: defaults.includes(m.databaseName(clusterId, 'n2')),
        listed,
        afterDelete: await m.clusterNodeIds(clusterId),
        bucketAfterDelete: (await buckets.keys()).includes(bucket),
      };
    });
    expect(result).toEqual({
      n1Entries: 1,
      n1InBucket: true,
      n1InDefault: false,
      n2InDefault: true,
      listed: ['n1', 'n2'],
      afterDelete: [],
      bucketAfterDelete: false,
    });
  });
});
