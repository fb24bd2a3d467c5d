// The state machines side by side: each node's contents of a group (src/state/sm.ts) flattened
// into rows (a section such as a service, a key, a value in a few words), and the rows compared
// across nodes, so a view can list the contents once and highlight where nodes differ.
// Invariants: pure; the same contents give the same rows in the same order (sections, then
// keys, sorted); a node whose contents cannot be known counts as unknown, never as different.
import {
  CONFIG_GROUP,
  INSTANCE_LIST_KEY_PREFIX,
  INSTANCE_METADATA_GROUP,
  NAMING_PERSISTENT_GROUP,
  NAMING_PERSISTENT_V1_GROUP,
  SERVICE_METADATA_GROUP,
  SERVICE_META_KEY_PREFIX,
} from '../../state/vocabulary.ts';
import type { GroupId, NodeId } from '../../state/model.ts';

export interface SmItem {
  /** What the key belongs to: a config group, a service. */
  section: string;
  key: string;
  /** The value in a few words (a config's md5 and content, an instance's weight and health). */
  value: string;
}

const VALUE_CHARS = 120;

function short(text: string): string {
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text;
}

function json(x: unknown): string {
  return JSON.stringify(x) ?? '';
}

function serviceName(s: { namespace?: unknown; group?: unknown; name?: unknown }): string {
  const ns = typeof s.namespace === 'string' && s.namespace !== 'public' ? `${s.namespace}/` : '';
  return `${ns}${String(s.group)}@@${String(s.name)}`;
}

type Obj = Record<string, unknown>;

function list(x: unknown): Obj[] {
  return Array.isArray(x) ? (x as Obj[]) : [];
}

/** A v1 datum's row position: the KeyBuilder prefix it starts with, and the rest. */
function datumSection(key: string): { section: string; key: string } {
  if (key.startsWith(INSTANCE_LIST_KEY_PREFIX)) {
    return { section: 'iplist', key: key.slice(INSTANCE_LIST_KEY_PREFIX.length) };
  }
  if (key.startsWith(SERVICE_META_KEY_PREFIX)) {
    return { section: 'meta', key: key.slice(SERVICE_META_KEY_PREFIX.length) };
  }
  return { section: 'other keys', key };
}

/** The contents of a group's state machine as rows (unknown groups: one row per element). */
export function smItems(group: GroupId, contents: unknown): SmItem[] {
  const out: SmItem[] = [];
  switch (group) {
    case CONFIG_GROUP:
      for (const c of list(contents)) {
        const where = `${String(c.group)}${c.tenant !== '' && c.tenant !== undefined ? ` · ${String(c.tenant)}` : ''}`;
        out.push({
          section: where,
          key: String(c.dataId),
          value: short(`md5 ${String(c.md5)} · ${json(c.content)}`),
        });
      }
      break;
    case NAMING_PERSISTENT_GROUP:
      // Persistent instances by service (each client publishes one instance per service).
      for (const client of list(contents)) {
        for (const s of list(client.services)) {
          const i = (s.instance ?? {}) as Obj;
          const flags = `${i.healthy === true ? 'healthy' : 'unhealthy'}${i.enabled === false ? ', disabled' : ''}`;
          const meta =
            i.metadata !== undefined && Object.keys(i.metadata as Obj).length > 0
              ? ` · ${json(i.metadata)}`
              : '';
          out.push({
            section: serviceName(s),
            key: `${String(i.ip)}:${String(i.port)} (${String(i.clusterName)})`,
            value: short(`weight ${String(i.weight)}, ${flags}${meta}`),
          });
        }
      }
      break;
    case SERVICE_METADATA_GROUP:
      for (const e of list(contents)) {
        out.push({ section: 'services', key: serviceName(e), value: short(json(e.metadata)) });
      }
      break;
    case INSTANCE_METADATA_GROUP:
      for (const s of list(contents)) {
        for (const i of list(s.instances)) {
          out.push({
            section: serviceName(s),
            key: String(i.metadataId),
            value: short(json(i.metadata)),
          });
        }
      }
      break;
    case NAMING_PERSISTENT_V1_GROUP:
      // Datums by KeyBuilder prefix: `iplist` (a service's instances), `meta` (its metadata, and
      // the switch domain); the datum without its key, which the row already names.
      for (const e of list(contents)) {
        const key = String(e.key);
        const d = e.value;
        const shown =
          typeof d === 'object' && d !== null && !Array.isArray(d) && (d as Obj).key === key
            ? Object.fromEntries(Object.entries(d as Obj).filter(([k]) => k !== 'key'))
            : d;
        out.push({ ...datumSection(key), value: short(json(shown)) });
      }
      break;
    default:
      list(contents).forEach((x, k) =>
        out.push({ section: group, key: String(k), value: short(json(x)) }),
      );
  }
  return out.sort((a, b) =>
    a.section === b.section
      ? a.key < b.key
        ? -1
        : a.key > b.key
          ? 1
          : 0
      : a.section < b.section
        ? -1
        : 1,
  );
}

/**
 * The items of some contents by section and key. Contents are shared, immutable values
 * (src/state/sm.ts caches them per ref), so their items are remembered per contents object:
 * a node whose state machine did not change since the last comparison costs nothing.
 */
const itemCache = new WeakMap<object, Map<string, SmItem>>();

function itemMap(group: GroupId, contents: unknown): Map<string, SmItem> {
  const cached =
    typeof contents === 'object' && contents !== null ? itemCache.get(contents) : undefined;
  if (cached !== undefined) return cached;
  const m = new Map<string, SmItem>();
  for (const it of smItems(group, contents)) m.set(`${it.section}\u0000${it.key}`, it);
  if (typeof contents === 'object' && contents !== null) itemCache.set(contents, m);
  return m;
}

/** One key across the nodes. */
export interface SmRow {
  section: string;
  key: string;
  /** The value most nodes that hold the key hold (ties: the first node's, in node order). */
  value: string;
  /** Nodes holding the majority value. */
  agree: NodeId[];
  /** Nodes holding another value, or none (`null`: the key is missing there). */
  differ: { node: NodeId; value: string | null }[];
  differs: boolean;
}

/**
 * Rows of every key any node holds. `contents[node]` is null when the node's contents cannot be
 * known (such a node is left out of the comparison). Rows that differ come first when `diffFirst`.
 */
export function diffStateMachines(
  group: GroupId,
  contents: readonly { node: NodeId; contents: unknown }[],
  diffFirst = true,
): SmRow[] {
  const known = contents.filter((c) => c.contents !== null);
  const perNode = known.map((c) => ({ node: c.node, items: itemMap(group, c.contents) }));
  const keys = new Map<string, { section: string; key: string }>();
  for (const p of perNode) for (const [k, it] of p.items) keys.set(k, it);
  const rows: SmRow[] = [];
  for (const [k, { section, key }] of keys) {
    const counts = new Map<string, NodeId[]>();
    const missing: NodeId[] = [];
    for (const p of perNode) {
      const it = p.items.get(k);
      if (it === undefined) missing.push(p.node);
      else counts.set(it.value, [...(counts.get(it.value) ?? []), p.node]);
    }
    let value = '';
    let agree: NodeId[] = [];
    for (const [v, nodes] of counts) {
      if (nodes.length > agree.length) {
        value = v;
        agree = nodes;
      }
    }
    const differ: SmRow['differ'] = [];
    for (const [v, nodes] of counts) {
      if (v !== value) for (const node of nodes) differ.push({ node, value: v });
    }
    for (const node of missing) differ.push({ node, value: null });
    differ.sort((a, b) => nodeNumber(a.node) - nodeNumber(b.node));
    rows.push({ section, key, value, agree, differ, differs: differ.length > 0 });
  }
  rows.sort((a, b) => {
    if (diffFirst && a.differs !== b.differs) return a.differs ? -1 : 1;
    if (a.section !== b.section) return a.section < b.section ? -1 : 1;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  return rows;
}

function nodeNumber(id: NodeId): number {
  const n = Number(id.replace(/^\D+/, ''));
  return Number.isFinite(n) ? n : 0;
}
