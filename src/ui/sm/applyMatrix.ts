// The apply streams of one group, side by side: each row one log index some node applied, with
// what each node's state machine answered there (or nothing yet), newest first. Every node
// applies the same entries in the same order, so a row's results agree unless something broke;
// a row where they disagree is flagged.
// Invariants: pure; rows are the most recent `limit` indexes any node applied, newest first;
// a node's cell holds its latest apply of that index (a restarted node applies again).
import type { NodeId } from '../../state/model.ts';
import { plGet, type PList } from '../../state/plist.ts';
import type { ApplyRecord } from '../../state/reduceApplyStream.ts';

export interface ApplyRow {
  index: number;
  term: number;
  label: string;
  requestId: string | null;
  /** The result most nodes gave. */
  result: string;
  ok: boolean;
  /** Per node (in the order given): its apply of this index, or null. */
  cells: (ApplyRecord | null)[];
  /** Nodes that applied it gave different results. */
  differs: boolean;
}

export function applyMatrix(
  streams: readonly { node: NodeId; stream: PList<ApplyRecord> }[],
  limit: number,
): ApplyRow[] {
  const byIndex = new Map<number, (ApplyRecord | null)[]>();
  streams.forEach(({ stream }, col) => {
    // Walk each stream from its newest end; older records than the rows kept are not needed.
    for (let i = stream.length - 1, seen = 0; i >= 0 && seen < limit; i--, seen++) {
      const r = plGet(stream, i)!;
      let cells = byIndex.get(r.index);
      if (cells === undefined) {
        cells = streams.map(() => null);
        byIndex.set(r.index, cells);
      }
      // The newest apply of an index wins (walking backwards, the first one met).
      cells[col] ??= r;
    }
  });
  const indexes = [...byIndex.keys()].sort((a, b) => b - a).slice(0, limit);
  return indexes.map((index) => {
    const cells = byIndex.get(index)!;
    const counts = new Map<string, { n: number; r: ApplyRecord }>();
    for (const c of cells) {
      if (c === null) continue;
      const k = `${c.ok ? 1 : 0}${c.result}`;
      const e = counts.get(k);
      counts.set(k, { n: (e?.n ?? 0) + 1, r: e?.r ?? c });
    }
    let best: { n: number; r: ApplyRecord } | null = null;
    for (const e of counts.values()) if (best === null || e.n > best.n) best = e;
    const r = best!.r;
    return {
      index,
      term: r.term,
      label: r.label,
      requestId: r.requestId,
      result: r.result,
      ok: r.ok,
      cells,
      differs: counts.size > 1,
    };
  });
}
