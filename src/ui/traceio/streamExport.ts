// A trace file written in parts, for a Blob built off the page's thread (workers/traceIo.worker.ts):
// the same JSON Lines as exportTrace (src/trace/jsonl.ts: header first, compact encoding), cut
// into parts of a few thousand lines, so a 300,000-event trace never becomes one huge string
// and the page can show how far the export got.
// Invariant: exportParts(h, e).join('') === exportTrace(h, e), byte for byte (a test checks it).
import { CompactEncoder } from '../../trace/compact.ts';
import type { TraceEvent, TraceHeader } from '../../trace/events.ts';

export interface ExportPartsOptions {
  /** Lines per part (default 5000). */
  partLines?: number;
  /** Called after each part with the events written so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** The trace as JSON Lines in parts; every part ends with "\n". */
export function exportParts(
  header: TraceHeader,
  events: readonly TraceEvent[],
  { partLines = 5000, onProgress }: ExportPartsOptions = {},
): string[] {
  if (!(Number.isInteger(partLines) && partLines >= 1)) {
    throw new RangeError(`exportParts: partLines must be a whole number >= 1, got ${partLines}`);
  }
  const { encoding: _encoding, ...rest } = header;
  const parts: string[] = [JSON.stringify({ ...rest, encoding: 'compact' }) + '\n'];
  const encoder = new CompactEncoder();
  for (let i = 0; i < events.length; i += partLines) {
    const end = Math.min(events.length, i + partLines);
    const lines = new Array<string>(end - i);
    for (let j = i; j < end; j++) lines[j - i] = JSON.stringify(encoder.encode(events[j]));
    parts.push(lines.join('\n') + '\n');
    onProgress?.(end, events.length);
  }
  if (events.length === 0) onProgress?.(0, 0);
  return parts;
}
