// One node's disk in the browser: an IndexedDB database per node, namespaced by the cluster id
// (two tabs never share a cluster), holding per group the log entries, the hard state, the
// configuration history and the latest snapshot, plus the node's boot record.
// Invariants: one persist batch is one transaction, with exactly the semantics of
// applyPersistBatch (src/node/storage.ts): snapshot first, then entries replacing the stored
// suffix from entries[0].index, then the hard state. A group's entries are stored as segments:
// the run of entries one batch wrote is one record keyed by its first index, since in Chromium
// a put costs about as much as a small transaction (one record per batch makes a 32-entry
// group commit about three times faster than one record per entry). Replaying a group's
// segments in key order, each truncating the log where it starts, gives the log; what a later
// segment or a snapshot supersedes is deleted when it is superseded entirely. load() checks
// that the log is contiguous from the snapshot (and the configuration history against the log's
// conf entries) and refuses a database that breaks it. Errors are never swallowed: every failure
// rejects with a StorageError whose `kind` says what went wrong.
// Every node's database lives in the page's default storage bucket. Storage Buckets
// (navigator.storageBuckets) would give each node a backing store of its own, so that the nodes'
// strict commits did not queue behind each other; but in Chromium 150 a bucket's transactions
// stop being served after a few hundred writes under a cluster's load (the transaction is created
// and never starts; abort() and new transactions on that connection wait behind it), which
// froze the leader and timed out every write. A database an earlier version made in a bucket is
// still opened, listed and deleted where it is.
import { deleteDB, unwrap, wrap, type IDBPDatabase } from 'idb';
import type { ConfState, Entry, GroupId, HardState, NodeId, Snapshot } from '../raft/types.ts';
import { emptyGroupState } from '../node/storage.ts';
import { corruptSnapshot } from '../node/snapshotFiles.ts';
import type { DurableState, PersistBatch } from '../node/types.ts';

/**
 * The schema version. Bump it, add a step to MIGRATIONS, and (for a store whose layout changes)
 * add a new versioned store name: never change what an existing name holds.
 */
export const SCHEMA_VERSION = 1;

/**
 * Store names carry the schema version that introduced them. WARNING: never rename a store or
 * reuse a name for a different layout; existing databases in users' browsers hold these names.
 * A layout change gets a new name (e.g. entries_v2) and a migration that moves the data over.
 */
export const STORES = {
  /**
   * 'node' → NodeRecord; 'incarnation/<group>' → number, the node's boot number for the group
   * (DurableGroupState.incarnation; absent in databases written before it existed).
   */
  meta: 'meta_v1',
  /** [group, first index] → Entry[]: the consecutive entries one batch wrote (a segment). */
  segments: 'segments_v1',
  /** group → HardState. */
  hardState: 'hardState_v1',
  /** [group, index] → ConfState: the configuration from each conf entry and snapshot. */
  conf: 'conf_v1',
  /** group → Snapshot (the latest only). */
  snapshots: 'snapshots_v1',
} as const;

const ALL_STORES = Object.values(STORES);

/** Every database of this app starts with this; the rest names the cluster and the node. */
export const DB_PREFIX = 'raft-playground';

export function databaseName(clusterId: string, nodeId: NodeId): string {
  return `${DB_PREFIX}/${clusterId}/${nodeId}`;
}

/** The part of navigator.storageBuckets this adapter uses (not in TypeScript's DOM types yet). */
interface BucketManager {
  open(name: string, options?: { durability?: Durability }): Promise<{ indexedDB: IDBFactory }>;
  keys(): Promise<string[]>;
  delete(name: string): Promise<void>;
}

/** The browser's Storage Buckets, or null where it has none (other browsers, fake-indexeddb). */
function bucketManager(): BucketManager | null {
  if (typeof navigator === 'undefined') return null;
  const m = (navigator as unknown as { storageBuckets?: BucketManager }).storageBuckets;
  return m !== undefined && typeof m.open === 'function' ? m : null;
}

/** Every bucket this app makes starts with this. */
export const BUCKET_PREFIX = 'raft-playground-';

/** 64-bit FNV-1a of `s` as 16 hex digits (bucket names allow 64 lower-case characters only). */
function hash64(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c ^ (h1 >>> 7), 0x01000193) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

/** The bucket prefix of one cluster: its id hashed, since ids may hold capitals. */
function clusterBucketPrefix(clusterId: string): string {
  return `${BUCKET_PREFIX}${hash64(clusterId)}-`;
}

/** The storage bucket of node `nodeId` of cluster `clusterId`. */
export function bucketName(clusterId: string, nodeId: NodeId): string {
  const node = /^[a-z0-9]{1,16}$/.test(nodeId) ? nodeId : `x${hash64(nodeId)}`;
  return clusterBucketPrefix(clusterId) + node;
}

/** Names of the databases in the default bucket (empty where the browser cannot list them). */
async function defaultBucketNames(): Promise<string[]> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return [];
  return (await indexedDB.databases()).flatMap((d) => (d.name === undefined ? [] : [d.name]));
}

/**
 * The factory that holds (or will hold) node `nodeId`'s database: the default bucket, unless an
 * earlier version made the database in a bucket of its own (see the header).
 */
async function factoryFor(clusterId: string, nodeId: NodeId): Promise<IDBFactory> {
  const buckets = bucketManager();
  if (buckets === null) return indexedDB;
  const own = bucketName(clusterId, nodeId);
  if (!(await buckets.keys()).includes(own)) return indexedDB;
  const factory = (await buckets.open(own)).indexedDB;
  const inside = await factory.databases();
  return inside.some((d) => d.name === databaseName(clusterId, nodeId)) ? factory : indexedDB;
}

/** Delete the database `name` from `factory`; resolves once it is gone. */
function deleteIn(factory: IDBFactory, name: string): Promise<void> {
  if (factory === indexedDB) return deleteDB(name);
  return new Promise((resolve, reject) => {
    const req = factory.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error(`could not delete ${name}`));
  });
}

/**
 * The node ids of `clusterId` that have a database in this browser (in either place), sorted
 * by number. Empty where the browser cannot list databases.
 */
export async function clusterNodeIds(clusterId: string): Promise<NodeId[]> {
  const prefix = databaseName(clusterId, '');
  const ids = new Set<NodeId>();
  for (const name of await defaultBucketNames()) {
    if (name.startsWith(prefix)) ids.add(name.slice(prefix.length));
  }
  const buckets = bucketManager();
  if (buckets !== null) {
    const mine = clusterBucketPrefix(clusterId);
    for (const key of await buckets.keys()) {
      if (!key.startsWith(mine)) continue;
      const factory = (await buckets.open(key)).indexedDB;
      for (const d of await factory.databases()) {
        if (d.name?.startsWith(prefix)) ids.add(d.name.slice(prefix.length));
      }
    }
  }
  return [...ids].sort(
    (a, b) => Number(a.slice(1)) - Number(b.slice(1)) || (a < b ? -1 : a > b ? 1 : 0),
  );
}

/**
 * 'strict' waits until the write is flushed to disk (in this Chromium only strict does, and
 * JRaft syncs by default); 'relaxed' returns once the OS has the data: faster, not crash-safe.
 */
export type Durability = 'strict' | 'relaxed';

/** What the node was started with, so a restart boots the same node. */
export interface NodeRecord {
  id: NodeId;
  clusterId: string;
  /** The bootstrap member list (NodeConfig.members). */
  members: NodeId[];
  groups: GroupId[];
  /** Joined a running cluster (add-node) rather than bootstrapped with it. */
  join: boolean;
}

export type StorageErrorKind = 'quota' | 'corrupt' | 'closed' | 'io';

/** A storage failure, worded for the user: which database, what failed, and why. */
export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** Classify an IndexedDB failure (a DOMException, or whatever a request or transaction gave). */
export function toStorageError(err: unknown, what: string): StorageError {
  if (err instanceof StorageError) return err;
  const name = (err as { name?: unknown } | null)?.name;
  const message = err instanceof Error ? err.message : String(err ?? 'unknown error');
  if (name === 'QuotaExceededError') {
    return new StorageError('quota', `${what}: storage quota exceeded (${message})`);
  }
  if (name === 'InvalidStateError') {
    return new StorageError('closed', `${what}: the database connection is closed (${message})`);
  }
  return new StorageError(
    'io',
    `${what}: ${typeof name === 'string' ? name + ': ' : ''}${message}`,
  );
}

type Migration = (db: IDBPDatabase) => void;

/** Step k turns a version k-1 database into version k. Version 0 is a new database. */
const MIGRATIONS: Record<number, Migration> = {
  1: (db) => {
    db.createObjectStore(STORES.meta);
    db.createObjectStore(STORES.segments);
    db.createObjectStore(STORES.hardState);
    db.createObjectStore(STORES.conf);
    db.createObjectStore(STORES.snapshots);
  },
};

/** One stored segment: its record's key, and the indexes of it still in force. */
interface Segment {
  key: number;
  /** first > last when nothing of it is in force any more. */
  first: number;
  last: number;
}

/** Where a group's log stands on disk, mirrored in memory (this connection is its only writer). */
interface GroupExtent {
  snapIndex: number;
  /** snapIndex when no entry is stored after the snapshot. */
  lastIndex: number;
  /** In key order. */
  segments: Segment[];
}

/** A write's effect on one group's extent, applied once its transaction commits. */
interface ExtentChange {
  group: GroupId;
  snapIndex: number;
  lastIndex: number;
  /** Segments dropped from the head (compacted) and from the tail (replaced). */
  dropHead: number;
  dropTailFrom: number;
  /** New bounds of the first and last surviving segments, when they changed. */
  headFirst: number | null;
  tailLast: number | null;
  added: Segment | null;
}

export interface OpenOptions {
  durability?: Durability;
  /** Called once if the browser closes the database under us (e.g. site data cleared). */
  onClosed?: (err: StorageError) => void;
}

export interface Loaded {
  /** Null for a database that never stored anything (a fresh node). */
  record: NodeRecord | null;
  durable: DurableState;
}

/** The meta store's key of a group's boot number. */
function incarnationKey(group: GroupId): string {
  return `incarnation/${group}`;
}

/** A range of keys [group, lo] .. [group, hi] in the stores keyed by [group, index]. */
function groupRange(group: GroupId, lo: number, hi: number): IDBKeyRange {
  return IDBKeyRange.bound([group, lo], [group, hi]);
}

export class IdbStorage {
  readonly name: string;
  durability: Durability;
  private readonly db: IDBPDatabase;
  private readonly extents = new Map<GroupId, GroupExtent>();
  private loaded = false;
  private closed = false;
  private writing = false;
  /** Test hook: the next write fails with this error (e.g. a QuotaExceededError). */
  private injectedFault: StorageError | null = null;

  private constructor(name: string, db: IDBPDatabase, durability: Durability) {
    this.name = name;
    this.db = db;
    this.durability = durability;
  }

  /** Open (creating or migrating) the database of node `nodeId` in cluster `clusterId`. */
  static async open(
    clusterId: string,
    nodeId: NodeId,
    opts: OpenOptions = {},
  ): Promise<IdbStorage> {
    const name = databaseName(clusterId, nodeId);
    let storage: IdbStorage | null = null;
    let db: IDBPDatabase;
    try {
      // idb's openDB, on the factory of the node's own bucket.
      const factory = await factoryFor(clusterId, nodeId);
      const request = factory.open(name, SCHEMA_VERSION);
      request.onupgradeneeded = (event) => {
        const database = wrap(request.result);
        const target = event.newVersion ?? SCHEMA_VERSION;
        for (let v = event.oldVersion + 1; v <= target; v++) {
          const step = MIGRATIONS[v];
          if (step === undefined) throw new Error(`no migration to schema version ${v}`);
          step(database);
        }
      };
      db = (await wrap(request)) as IDBPDatabase;
      // Someone deletes or upgrades this database (a reset): let them, and stop writing.
      db.addEventListener('versionchange', () =>
        storage?.closeBecause(new StorageError('closed', `${name}: deleted or upgraded elsewhere`)),
      );
      db.addEventListener('close', () =>
        storage?.closeBecause(new StorageError('closed', `${name}: closed by the browser`)),
      );
    } catch (err) {
      if ((err as { name?: unknown }).name === 'VersionError') {
        throw new StorageError(
          'corrupt',
          `${name}: the database has a newer schema than version ${SCHEMA_VERSION}; reset the cluster`,
        );
      }
      throw toStorageError(err, `${name}: open`);
    }
    storage = new IdbStorage(name, db, opts.durability ?? 'strict');
    storage.onClosed = opts.onClosed ?? null;
    return storage;
  }

  private onClosed: ((err: StorageError) => void) | null = null;

  private closeBecause(err: StorageError): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
    this.onClosed?.(err);
  }

  /** Close the connection (before a reset deletes the database). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /**
   * Read everything back: the boot record and, per group, hard state, snapshot and entries.
   * `groups` are the groups the node runs; groups found on disk are loaded too.
   */
  async load(groups: readonly GroupId[]): Promise<Loaded> {
    this.checkOpen('load');
    try {
      const tx = this.db.transaction(ALL_STORES, 'readonly');
      const record = ((await tx.objectStore(STORES.meta).get('node')) ?? null) as NodeRecord | null;
      const stored = (await tx.objectStore(STORES.hardState).getAllKeys()) as GroupId[];
      const all = [...new Set([...groups, ...stored, ...(record?.groups ?? [])])];
      const durable: DurableState = {};
      for (const group of all) {
        const g = emptyGroupState();
        const hs = (await tx.objectStore(STORES.hardState).get(group)) as HardState | undefined;
        if (hs) g.hardState = hs;
        const inc: unknown = await tx.objectStore(STORES.meta).get(incarnationKey(group));
        if (typeof inc === 'number') g.incarnation = inc;
        g.snapshot =
          ((await tx.objectStore(STORES.snapshots).get(group)) as Snapshot | undefined) ?? null;
        const range = groupRange(group, 0, Infinity);
        const segments = (await tx.objectStore(STORES.segments).getAll(range)) as Entry[][];
        const confKeys = (await tx.objectStore(STORES.conf).getAllKeys(range)) as [
          GroupId,
          number,
        ][];
        const extent = this.replaySegments(group, segments, g.snapshot);
        g.entries = extent.entries;
        this.checkConf(group, g.entries, confKeys);
        this.extents.set(group, extent.extent);
        durable[group] = g;
      }
      await tx.done;
      this.loaded = true;
      return { record, durable };
    } catch (err) {
      throw toStorageError(err, `${this.name}: load`);
    }
  }

  /**
   * The log from a group's segments: each entry truncates the log at its index and is appended,
   * so a later segment replaces the suffix an earlier one wrote (as applyPersistBatch does).
   * Checks the invariant write() keeps: the log follows the snapshot without gaps.
   */
  private replaySegments(
    group: GroupId,
    stored: Entry[][],
    snapshot: Snapshot | null,
  ): { entries: Entry[]; extent: GroupExtent } {
    const snapIndex = snapshot?.meta.index ?? 0;
    const entries: Entry[] = [];
    const segments: Segment[] = [];
    for (const seg of stored) {
      if (seg.length === 0) continue;
      for (const e of seg) {
        if (e.index <= snapIndex) continue;
        const pos = e.index - snapIndex - 1;
        if (pos > entries.length) {
          throw new StorageError(
            'corrupt',
            `${this.name}: group ${group}: entry ${e.index} follows ${snapIndex + entries.length} (the log must follow the snapshot at ${snapIndex} without gaps)`,
          );
        }
        entries.length = pos;
        entries.push(e);
      }
      const prev = segments[segments.length - 1];
      if (prev !== undefined) prev.last = Math.min(prev.last, seg[0].index - 1);
      segments.push({
        key: seg[0].index,
        first: Math.max(seg[0].index, snapIndex + 1),
        last: seg[seg.length - 1].index,
      });
    }
    const lastIndex = snapIndex + entries.length;
    for (const x of segments) x.last = Math.min(x.last, lastIndex);
    return { entries, extent: { snapIndex, lastIndex, segments } };
  }

  /** Every conf entry has its configuration record (the pair of write()'s puts). */
  private checkConf(group: GroupId, entries: Entry[], confKeys: [GroupId, number][]): void {
    const confIndexes = new Set(confKeys.map((k) => k[1]));
    for (const e of entries) {
      if (e.type === 'conf' && !confIndexes.has(e.index)) {
        throw new StorageError(
          'corrupt',
          `${this.name}: group ${group}: conf entry ${e.index} has no configuration record`,
        );
      }
    }
  }

  /**
   * Damage the stored snapshot of `group` (the `corrupt-snapshot` fault; src/node/snapshotFiles.ts):
   * its data changes, its recorded checksum does not. False when no snapshot is stored.
   */
  async corruptSnapshot(group: GroupId): Promise<boolean> {
    this.checkOpen('corrupt the snapshot');
    try {
      const tx = this.db.transaction(STORES.snapshots, 'readwrite');
      const store = tx.objectStore(STORES.snapshots);
      const snap = (await store.get(group)) as Snapshot | undefined;
      if (snap !== undefined) await store.put(corruptSnapshot(snap), group);
      await tx.done;
      return snap !== undefined;
    } catch (err) {
      throw toStorageError(err, `${this.name}: corrupt the snapshot`);
    }
  }

  /** Store the node's boot record (with its first write, or when seeding a fresh node). */
  async saveRecord(record: NodeRecord): Promise<void> {
    this.checkOpen('save the node record');
    try {
      await this.db.put(STORES.meta, record, 'node');
    } catch (err) {
      throw toStorageError(err, `${this.name}: save the node record`);
    }
  }

  /**
   * Make one persist batch durable in one transaction. Resolves once the transaction is
   * complete (flushed to disk with 'strict' durability); rejects with a StorageError, in which
   * case nothing of the batch is stored (the transaction aborted).
   */
  write(batch: PersistBatch): Promise<void> {
    if (this.injectedStallMs > 0) {
      const ms = this.injectedStallMs;
      this.injectedStallMs = 0;
      return new Promise((resolve) => setTimeout(resolve, ms)).then(() => this.write(batch));
    }
    const what = `${this.name}: write`;
    try {
      this.checkOpen('write');
      if (!this.loaded) throw new Error('write before load(): the log extent is unknown');
      if (this.injectedFault !== null) {
        const err = this.injectedFault;
        this.injectedFault = null;
        throw err;
      }
    } catch (err) {
      return Promise.reject(toStorageError(err, what));
    }
    if (this.writing) {
      // The node keeps one persist in flight; a second would be planned on a stale extent.
      return Promise.reject(new StorageError('io', `${what}: a write is already in flight`));
    }
    // Plan first, so a batch that breaks the log's invariants fails before anything is written,
    // and the extents change only once the transaction has committed.
    let plan: {
      changes: ExtentChange[];
      stores: string[];
      apply: (tx: IDBTransaction) => void;
    };
    try {
      plan = this.planWrite(batch);
    } catch (err) {
      return Promise.reject(toStorageError(err, what));
    }
    this.writing = true;
    return new Promise<void>((resolve, reject) => {
      let tx: IDBTransaction | null = null;
      try {
        // The raw transaction (not idb's promise wrapper) on this hot path: no promise per put,
        // and a failed put surfaces once, as the transaction's error.
        // Scoped to the stores the batch touches: most batches need segments and hard state only.
        tx = unwrap(this.db).transaction(plan.stores, 'readwrite', {
          durability: this.durability,
        });
        plan.apply(tx);
      } catch (err) {
        // A put that throws (e.g. a value that cannot be cloned) must not let the rest commit.
        try {
          tx?.abort();
        } catch {
          // Already finished or aborted: nothing was committed by this batch either way.
        }
        this.writing = false;
        reject(toStorageError(err, what));
        return;
      }
      const done = tx;
      done.oncomplete = () => {
        this.writing = false;
        for (const c of plan.changes) this.applyChange(c);
        resolve();
      };
      done.onabort = () => {
        this.writing = false;
        reject(toStorageError(done.error ?? new Error('transaction aborted'), what));
      };
    });
  }

  /**
   * What write() will do, checked against the stored extents before any request is made. Only
   * the ends of a group's segment list change (compaction at the head, replacement at the
   * tail), so planning costs what changes, not the length of the log.
   */
  private planWrite(batch: PersistBatch): {
    changes: ExtentChange[];
    stores: string[];
    apply: (tx: IDBTransaction) => void;
  } {
    const changes: ExtentChange[] = [];
    const stores = new Set<string>();
    const ops: ((tx: IDBTransaction) => void)[] = [];
    const seen = new Set<GroupId>();
    for (const part of batch.groups) {
      const group = part.group;
      if (seen.has(group)) throw new Error(`group ${group} appears twice in one batch`);
      seen.add(group);
      const segs = this.extents.get(group)?.segments ?? [];
      const c: ExtentChange = {
        group,
        snapIndex: this.extents.get(group)?.snapIndex ?? 0,
        lastIndex: this.extents.get(group)?.lastIndex ?? 0,
        dropHead: 0,
        dropTailFrom: segs.length,
        headFirst: null,
        tailLast: null,
        added: null,
      };
      if (part.discardLog && !part.snapshot) {
        throw new Error(`group ${group}: discardLog is only valid with a snapshot`);
      }
      if (part.snapshot) {
        const snap = part.snapshot;
        const s = snap.meta.index;
        // Entries after the snapshot survive only if they continue it and the batch does not
        // discard them (an installed snapshot that did not match the log; applyPersistBatch).
        const keepsTail = !part.discardLog && s >= c.snapIndex && s < c.lastIndex;
        if (keepsTail) {
          while (c.dropHead < segs.length && segs[c.dropHead].last <= s) c.dropHead++;
          if (c.dropHead < segs.length) c.headFirst = Math.max(segs[c.dropHead].first, s + 1);
        } else {
          c.dropHead = segs.length;
        }
        const goneKeys = segs.slice(0, c.dropHead).map((x) => x.key);
        stores.add(STORES.segments).add(STORES.conf).add(STORES.snapshots);
        ops.push((tx) => {
          const segments = tx.objectStore(STORES.segments);
          const conf = tx.objectStore(STORES.conf);
          tx.objectStore(STORES.snapshots).put(snap, group);
          if (keepsTail) for (const key of goneKeys) segments.delete([group, key]);
          else segments.delete(groupRange(group, 0, Infinity));
          conf.delete(groupRange(group, 0, keepsTail ? s : Infinity));
          conf.put(snap.meta.conf, [group, s]);
        });
        c.snapIndex = s;
        if (!keepsTail) c.lastIndex = s;
      }
      if (part.entries.length > 0) {
        const entries = part.entries;
        const first = entries[0].index;
        if (first <= c.snapIndex) {
          throw new StorageError(
            'corrupt',
            `group ${group}: entries start at ${first}, at or before the snapshot at ${c.snapIndex}`,
          );
        }
        if (first > c.lastIndex + 1) {
          throw new StorageError(
            'corrupt',
            `group ${group}: entries start at ${first} but the disk ends at ${c.lastIndex}`,
          );
        }
        entries.forEach((e, k) => {
          if (e.index !== first + k) {
            throw new StorageError(
              'corrupt',
              `group ${group}: batch entry ${k} has index ${e.index}, expected ${first + k}`,
            );
          }
        });
        const truncates = first <= c.lastIndex;
        // Segments wholly at or after `first` are replaced; one that straddles it keeps its
        // record (the new segment overrides its tail when the log is replayed).
        const firstOf = (i: number): number =>
          i === c.dropHead && c.headFirst !== null ? c.headFirst : segs[i].first;
        while (c.dropTailFrom > c.dropHead && firstOf(c.dropTailFrom - 1) >= first) {
          c.dropTailFrom--;
        }
        if (c.dropTailFrom > c.dropHead) {
          c.tailLast = Math.min(segs[c.dropTailFrom - 1].last, first - 1);
        }
        const goneKeys = segs.slice(c.dropTailFrom).map((x) => x.key);
        const last = entries[entries.length - 1].index;
        c.added = { key: first, first, last };
        const confToo = truncates || entries.some((e) => e.type === 'conf');
        stores.add(STORES.segments);
        if (confToo) stores.add(STORES.conf);
        ops.push((tx) => {
          const segments = tx.objectStore(STORES.segments);
          for (const key of goneKeys) segments.delete([group, key]);
          segments.put(entries, [group, first]);
          if (!confToo) return;
          const conf = tx.objectStore(STORES.conf);
          if (truncates) conf.delete(groupRange(group, first, Infinity));
          for (const e of entries) {
            if (e.type === 'conf') conf.put((e.data as { conf: ConfState }).conf, [group, e.index]);
          }
        });
        c.lastIndex = last;
      }
      if (part.incarnation !== undefined) {
        const inc = part.incarnation;
        if (!(Number.isSafeInteger(inc) && inc > 0)) {
          throw new Error(`group ${group}: incarnation must be a positive integer, got ${inc}`);
        }
        stores.add(STORES.meta);
        ops.push((tx) => tx.objectStore(STORES.meta).put(inc, incarnationKey(group)));
      }
      if (part.hardState) {
        const hs = { ...part.hardState };
        stores.add(STORES.hardState);
        ops.push((tx) => tx.objectStore(STORES.hardState).put(hs, group));
      }
      changes.push(c);
    }
    // An empty batch still makes a (trivial) transaction, so its completion is ordered as usual.
    if (stores.size === 0) stores.add(STORES.hardState);
    return { changes, stores: [...stores], apply: (tx) => ops.forEach((op) => op(tx)) };
  }

  /** The extent after a committed write (see ExtentChange). */
  private applyChange(c: ExtentChange): void {
    let ext = this.extents.get(c.group);
    if (ext === undefined) {
      ext = { snapIndex: 0, lastIndex: 0, segments: [] };
      this.extents.set(c.group, ext);
    }
    const segs = ext.segments;
    segs.length = c.dropTailFrom;
    if (c.tailLast !== null && segs.length > 0) segs[segs.length - 1].last = c.tailLast;
    if (c.dropHead > 0) segs.splice(0, c.dropHead);
    if (c.headFirst !== null && segs.length > 0) segs[0].first = c.headFirst;
    if (c.added !== null) segs.push(c.added);
    ext.snapIndex = c.snapIndex;
    ext.lastIndex = c.lastIndex;
  }

  /** Test hook: the next write() reaches IndexedDB only after `ms` (a stalled disk). */
  stallNextWrite(ms: number): void {
    this.injectedStallMs = ms;
  }

  private injectedStallMs = 0;

  /** Test hook: make the next write() fail as if the disk were full. */
  failNextWrite(kind: StorageErrorKind = 'quota'): void {
    this.injectedFault = new StorageError(
      kind,
      kind === 'quota'
        ? `${this.name}: write: storage quota exceeded (injected fault)`
        : `${this.name}: write: injected ${kind} fault`,
    );
  }

  private checkOpen(what: string): void {
    if (this.closed)
      throw new StorageError('closed', `${this.name}: ${what}: the database is closed`);
  }
}

/** Delete one node's database. Resolves once it is gone (after other connections close). */
export async function deleteNodeDatabase(clusterId: string, nodeId: NodeId): Promise<void> {
  await deleteDB(databaseName(clusterId, nodeId));
  const buckets = bucketManager();
  if (buckets !== null) await deleteBucket(buckets, bucketName(clusterId, nodeId));
}

/**
 * Delete a bucket with its database: the database first (waiting, as deleteDB does, for open
 * connections to close), then the bucket itself.
 */
async function deleteBucket(buckets: BucketManager, bucket: string): Promise<void> {
  if (!(await buckets.keys()).includes(bucket)) return;
  const factory = (await buckets.open(bucket)).indexedDB;
  for (const d of await factory.databases()) {
    if (d.name !== undefined) await deleteIn(factory, d.name);
  }
  await buckets.delete(bucket);
}

/**
 * Delete every database of a cluster: those of `nodeIds`, and any other this browser lists for
 * the cluster (indexedDB.databases(), where available).
 */
export async function deleteClusterDatabases(
  clusterId: string,
  nodeIds: readonly NodeId[],
): Promise<void> {
  const names = new Set(nodeIds.map((id) => databaseName(clusterId, id)));
  const prefix = `${DB_PREFIX}/${clusterId}/`;
  if (typeof indexedDB.databases === 'function') {
    for (const info of await indexedDB.databases()) {
      if (info.name?.startsWith(prefix)) names.add(info.name);
    }
  }
  await Promise.all([...names].map((name) => deleteDB(name)));
  const buckets = bucketManager();
  if (buckets !== null) {
    const bucketNames = new Set(nodeIds.map((id) => bucketName(clusterId, id)));
    const mine = clusterBucketPrefix(clusterId);
    for (const key of await buckets.keys()) if (key.startsWith(mine)) bucketNames.add(key);
    await Promise.all([...bucketNames].map((b) => deleteBucket(buckets, b)));
  }
}

/** The Web Lock a page holds while it runs a cluster, so other tabs leave its databases alone. */
export function clusterLockName(clusterId: string): string {
  return `${DB_PREFIX}/cluster/${clusterId}`;
}

/**
 * Hold the cluster's lock until the returned function is called (or the page goes away).
 * Resolves once the lock is held; rejects if another page holds it (it runs that cluster). A
 * no-op where Web Locks are missing.
 */
export async function holdClusterLock(clusterId: string): Promise<() => void> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks === undefined) return () => undefined;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held = await new Promise<boolean>((settle) => {
    void locks.request(clusterLockName(clusterId), { ifAvailable: true }, (lock) => {
      settle(lock !== null);
      return lock !== null ? released : undefined;
    });
  });
  if (!held) {
    throw new StorageError('io', `cluster ${clusterId} is running in another tab or window`);
  }
  return release;
}

/**
 * Delete the databases of clusters no page runs any more (no tab holds their lock): a closed tab
 * cannot clean up after itself. Returns the names deleted. Needs indexedDB.databases() and Web
 * Locks; without them it deletes nothing.
 */
export async function collectStaleClusters(): Promise<string[]> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks === undefined || typeof indexedDB.databases !== 'function') return [];
  // Databases first, then locks: a cluster created in between holds its lock before it opens a
  // database, so it is either not listed yet or seen as live.
  const infos = await indexedDB.databases();
  const snapshot = await locks.query();
  const live = new Set([...(snapshot.held ?? []), ...(snapshot.pending ?? [])].map((l) => l.name));
  const stale: string[] = [];
  for (const info of infos) {
    const name = info.name;
    if (name === undefined || !name.startsWith(`${DB_PREFIX}/`)) continue;
    const clusterId = name.split('/')[1];
    if (clusterId !== undefined && !live.has(clusterLockName(clusterId))) stale.push(name);
  }
  await Promise.all(stale.map((name) => deleteDB(name)));
  // The buckets: a bucket's name hides its cluster id, the database inside it names it.
  const buckets = bucketManager();
  if (buckets !== null) {
    for (const key of await buckets.keys()) {
      if (!key.startsWith(BUCKET_PREFIX)) continue;
      const inside = await (await buckets.open(key)).indexedDB.databases();
      const names = inside.flatMap((d) => (d.name === undefined ? [] : [d.name]));
      const clusterId = names[0]?.split('/')[1];
      // A bucket opened but not yet holding its database belongs to a cluster being created.
      if (clusterId === undefined || live.has(clusterLockName(clusterId))) continue;
      await deleteBucket(buckets, key);
      stale.push(...names);
    }
  }
  return stale;
}
