// The compact line encoding of trace files: what exportTrace writes after the header when the
// header says `encoding: 'compact'`, and what importTrace expands back before validating.
// Each line stays one JSON object with its `type`, `t` and `node`; a field is left out only
// where the lines before it determine it:
//   - `seq` when it is the previous event's seq + 1 (a recorder hands out seq without gaps);
//   - `group` on the event types that always name one, when it is the previous such event's;
//   - `from` on a send (the sender is the event's node);
//   - on a recv or drop of a message whose send was written, every field of the summary equal
//     to the send's (msgType always, which marks the line as a reference), and `sentAt`
//     (the send's `t`; `sentAt: null` says a receipt had none): a receipt names its message by
//     `from` and `msgId`;
//   - on an apply, `op` and `result` when an earlier apply of the same entry (group, index,
//     term) on another node had the same: every node applies the same entry alike.
// Invariant: expand(compact(events)) equals the events, key order included (a round trip is
// byte-for-byte), because encoder and decoder keep the same memory of the lines so far, with the
// same bounds and evictions. A full line is also a valid compact line (nothing is left out), so
// the decoder reads files written without the encoding too.
import type { TraceEvent } from './events.ts';
import { traceEventSchemas } from './schema.ts';

/** Sends remembered for their receipts; the oldest are forgotten beyond this. */
const MAX_SENDS = 65_536;
/** Applied entries remembered for the same entry's applies on other nodes. */
const MAX_APPLIED = 16_384;

const MESSAGE_TYPES: ReadonlySet<string> = new Set(['send', 'recv', 'drop']);

/** The event types whose schema requires a `group`: the ones that may carry it forward. */
const GROUP_TYPES: ReadonlySet<string> = new Set(
  Object.entries(traceEventSchemas)
    .filter(([, schema]) => {
      // A union (fault) has no shape of its own; its kinds name a group only sometimes.
      const shape = (schema as { shape?: Record<string, { safeParse(v: unknown): Parsed }> }).shape;
      const g = shape?.group;
      return g !== undefined && !g.safeParse(undefined).success;
    })
    .map(([type]) => type),
);

type Line = Record<string, unknown>;
type Parsed = { success: boolean };

/** A send's summary (the fields after the stamp, type, group and deliverAt), in key order. */
type Summary = [key: string, value: unknown][];

/** What both directions remember of the lines so far. */
class Memory {
  seq = -1;
  group: unknown = undefined;
  readonly sends = new Map<string, { t: unknown; summary: Summary }>();
  readonly applied = new Map<string, { op: string; result: string }>();

  rememberSend(e: Line): void {
    const summary: Summary = [];
    for (const k of Object.keys(e)) {
      if (k === 'seq' || k === 't' || k === 'node' || k === 'type') continue;
      if (k === 'group' || k === 'deliverAt') continue;
      summary.push([k, e[k]]);
    }
    const key = `${String(e.from)}:${String(e.msgId)}`;
    this.sends.delete(key);
    this.sends.set(key, { t: e.t, summary });
    if (this.sends.size > MAX_SENDS) this.sends.delete(this.sends.keys().next().value!);
  }

  send(e: Line): { t: unknown; summary: Summary } | undefined {
    return this.sends.get(`${String(e.from)}:${String(e.msgId)}`);
  }

  forgetSend(e: Line): void {
    this.sends.delete(`${String(e.from)}:${String(e.msgId)}`);
  }

  rememberApply(e: Line): void {
    if (e.op === undefined || e.result === undefined) return;
    const key = applyKey(e);
    if (this.applied.has(key)) return;
    this.applied.set(key, { op: JSON.stringify(e.op), result: JSON.stringify(e.result) });
    if (this.applied.size > MAX_APPLIED) this.applied.delete(this.applied.keys().next().value!);
  }

  /** After a line was handled (in its full form): what the next lines may leave out. */
  advance(e: Line): void {
    this.seq = e.seq as number;
    if (GROUP_TYPES.has(e.type as string)) this.group = e.group;
    if (e.type === 'send') this.rememberSend(e);
    else if (e.type === 'recv' || e.type === 'drop') this.forgetSend(e);
    else if (e.type === 'apply') this.rememberApply(e);
  }
}

/**
 * The send a receipt may refer to: one with the same message type whose every summary field the
 * receipt also has (what the decoder fills in must have been there), else undefined.
 */
function referable(
  e: Line,
  sent: { t: unknown; summary: Summary } | undefined,
): { t: unknown; summary: Summary } | undefined {
  if (sent === undefined) return undefined;
  for (const [k, v] of sent.summary) {
    if (!(k in e) || (k === 'msgType' && v !== e.msgType)) return undefined;
  }
  return sent;
}

function applyKey(e: Line): string {
  return `${String(e.group)}/${String(e.index)}/${String(e.term)}`;
}

function same(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Writes events as compact lines, remembering what the lines so far determine. */
export class CompactEncoder {
  private readonly mem = new Memory();

  /** The compact form of the next event (a new object; the event is not modified). */
  encode(event: TraceEvent): Line {
    const e = event as unknown as Line;
    const mem = this.mem;
    const out: Line = {};
    const type = e.type as string;
    const sent = type === 'recv' || type === 'drop' ? referable(e, mem.send(e)) : undefined;
    const known = new Map<string, unknown>(sent?.summary ?? []);
    const cached = type === 'apply' ? mem.applied.get(applyKey(e)) : undefined;
    for (const k of Object.keys(e)) {
      const v = e[k];
      if (k === 'seq' && v === mem.seq + 1) continue;
      if (k === 'group' && GROUP_TYPES.has(type) && mem.group !== undefined && v === mem.group) {
        continue;
      }
      if (MESSAGE_TYPES.has(type)) {
        if (type === 'send' && k === 'from' && v === e.node) continue;
        if (sent !== undefined) {
          if (k === 'sentAt' && v === sent.t) continue;
          if (k === 'msgId' && !('sentAt' in e)) out.sentAt = null; // Absent, not the send's t.
          if (k !== 'from' && k !== 'msgId' && known.has(k) && same(known.get(k), v)) continue;
        }
      }
      if (cached !== undefined) {
        if (k === 'op' && JSON.stringify(v) === cached.op) continue;
        if (k === 'result' && JSON.stringify(v) === cached.result) continue;
      }
      out[k] = v;
    }
    mem.advance(e);
    return out;
  }
}

/** Reads compact lines back into full events, in the order they were written. */
export class CompactDecoder {
  private readonly mem = new Memory();

  /**
   * The full form of the next line, or the line unchanged when it is not an object with a type
   * (validation reports it). A line the memory cannot complete stays incomplete and fails
   * validation, naming the missing field.
   */
  decode(value: unknown): unknown {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const line = value as Line;
    const type = line.type;
    if (typeof type !== 'string') return value;
    const mem = this.mem;
    const out: Line = {};
    out.seq = 'seq' in line ? line.seq : mem.seq + 1;
    for (const k of ['t', 'node', 'type']) if (k in line) out[k] = line[k];
    // The types that always name a group name it right after the type; others keep their order.
    if (GROUP_TYPES.has(type)) {
      if ('group' in line) out.group = line.group;
      else if (mem.group !== undefined) out.group = mem.group;
    }
    // A receipt without msgType names its send (every full message line has one).
    const sent =
      (type === 'recv' || type === 'drop') && !('msgType' in line) ? mem.send(line) : undefined;
    if (sent !== undefined) {
      // A receipt: its own fields, then its message's summary as the send had it.
      if ('reason' in line) out.reason = line.reason;
      if (!('sentAt' in line)) out.sentAt = sent.t;
      else if (line.sentAt !== null) out.sentAt = line.sentAt;
      for (const [k, v] of sent.summary) out[k] = k in line ? line[k] : v;
    } else if (MESSAGE_TYPES.has(type)) {
      for (const k of Object.keys(line)) {
        if (k in out) continue;
        out[k] = line[k];
        if (k === 'msgId' && type === 'send' && !('from' in line)) out.from = line.node;
      }
    } else if (type === 'apply') {
      const cached = mem.applied.get(applyKey({ ...line, group: out.group }));
      for (const k of Object.keys(line)) {
        if (k in out) continue;
        out[k] = line[k];
        if (cached === undefined) continue;
        if (k === 'term' && !('op' in line)) out.op = JSON.parse(cached.op) as unknown;
        if ((k === 'term' || k === 'op') && !('result' in line) && 'op' in out) {
          out.result = JSON.parse(cached.result) as unknown;
        }
      }
    }
    for (const k of Object.keys(line)) {
      if (!(k in out) && !(k === 'sentAt' && sent !== undefined)) out[k] = line[k];
    }
    // Only a line with a seq teaches the memory (a malformed one fails validation anyway).
    if (typeof out.seq === 'number') mem.advance(out);
    return out;
  }
}
