// A processor's snapshot file and its checksum, as Nacos's snapshot operations write them
// (`ConfigSnapshotOperation`, naming's snapshot operations: the file, and `LocalFileMeta` with a
// `checkSum`). Pure: a 32-bit FNV-1a over the canonical JSON of the data stands in for the CRC
// Nacos computes over the file. Invariant: equal data gives an equal checksum on every host.
import type { Snapshot } from '../raft/types.ts';

/** The checksum of a snapshot's data, as a hex string. */
export function snapshotCheckSum(data: unknown): string {
  const text = JSON.stringify(data) ?? '';
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** True when the snapshot carries no checksum (written before it existed) or a matching one. */
export function checkSumMatches(snap: Snapshot): boolean {
  return snap.checkSum === undefined || snap.checkSum === snapshotCheckSum(snap.data);
}

/**
 * The stored snapshot as a damaged file leaves it: the first text value in the data (depth
 * first) gets a changed character, shape intact, so a state machine without a checksum loads it
 * without noticing; the recorded checksum stays. A snapshot with no text in it has its recorded
 * checksum damaged instead. Used by the `corrupt-snapshot` fault.
 */
export function corruptSnapshot(snap: Snapshot): Snapshot {
  const data = JSON.parse(JSON.stringify(snap.data ?? null)) as unknown;
  const damaged = damageFirstString(data);
  if (damaged.done) return { ...snap, data: damaged.value };
  return { ...snap, checkSum: `${snap.checkSum ?? snapshotCheckSum(snap.data)}x` };
}

function damageFirstString(x: unknown): { done: boolean; value: unknown } {
  if (typeof x === 'string')
    return { done: true, value: x.length > 0 ? `${x.slice(0, -1)}?` : '?' };
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      const r = damageFirstString(x[i]);
      if (r.done) {
        x[i] = r.value;
        return { done: true, value: x };
      }
    }
  } else if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const r = damageFirstString(o[k]);
      if (r.done) {
        o[k] = r.value;
        return { done: true, value: o };
      }
    }
  }
  return { done: false, value: x };
}
