// Trace files as JSON Lines (DESIGN.md §3): export, and import with validation.
// Invariant: exportTrace writes the header on the first line and one event per line after it;
// importTrace accepts exactly what exportTrace writes (plus a BOM, CRLF line ends and blank
// lines; older versions are upgraded by migrate.ts first), and otherwise returns errors naming
// the line and the field, never throwing. It stops
// reading at the MAX_IMPORT_ERRORS-th error, so a huge wrong file costs no more than its start;
// it is pure, so the page runs it in a worker (workers/traceImport.worker.ts) for large files.
import type { TraceEvent, TraceHeader } from './events.ts';
import { TRACE_FORMAT, TRACE_VERSION } from './events.ts';
import { CompactDecoder, CompactEncoder } from './compact.ts';
import { migrateEvent, migrateHeader } from './migrate.ts';
import {
  formatPath,
  issuesToErrors,
  traceEventSchema,
  traceHeaderSchema,
  userFileParseOptions,
} from './schema.ts';

/**
 * How many errors importTrace collects before it stops reading: a file that is this wrong is
 * not the trace the user meant, and checking its remaining lines (possibly millions) would only
 * keep the page busy.
 */
export const MAX_IMPORT_ERRORS = 20;

export type ImportResult =
  { ok: true; header: TraceHeader; events: TraceEvent[] } | { ok: false; errors: string[] };

/** Progress of an import: characters read so far, of the whole text. */
export type ImportProgress = (done: number, total: number) => void;

export interface ImportOptions {
  /** Called about every `progressEvery` characters, and once at the end. */
  onProgress?: ImportProgress;
  /** Characters between progress calls; default 1 MB. */
  progressEvery?: number;
}

/**
 * The trace as JSON Lines: the header, then one event per line, each line ending in "\n". The
 * lines use the compact encoding (compact.ts; the header says `encoding: 'compact'`) unless
 * `compact` is false.
 */
export function exportTrace(
  header: TraceHeader,
  events: readonly TraceEvent[],
  { compact = true }: { compact?: boolean } = {},
): string {
  const lines = new Array<string>(events.length + 1);
  const { encoding: _encoding, ...rest } = header;
  lines[0] = JSON.stringify(compact ? { ...rest, encoding: 'compact' } : rest);
  const encoder = compact ? new CompactEncoder() : null;
  for (let i = 0; i < events.length; i++) {
    lines[i + 1] = JSON.stringify(encoder === null ? events[i] : encoder.encode(events[i]));
  }
  return lines.join('\n') + '\n';
}

const headerOptions = userFileParseOptions();
const eventOptions = userFileParseOptions({ type: 'event type', fault: 'fault' });

/** Collects errors, up to MAX_IMPORT_ERRORS (a line may give several). */
class ErrorList {
  readonly shown: string[] = [];

  add(line: number, message: string): void {
    if (this.shown.length < MAX_IMPORT_ERRORS) this.shown.push(`line ${line}: ${message}`);
  }

  get count(): number {
    return this.shown.length;
  }

  get full(): boolean {
    return this.shown.length >= MAX_IMPORT_ERRORS;
  }
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: `invalid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkHeader(value: unknown, line: number, errors: ErrorList): TraceHeader | null {
  if (!isObject(value) || value.format !== TRACE_FORMAT) {
    errors.add(line, `not a ${TRACE_FORMAT} header`);
    return null;
  }
  // An older version is upgraded first (migrate.ts); one with no path is refused by name.
  const migrated = migrateHeader(value);
  if (!migrated.ok) {
    errors.add(line, `header.version: ${migrated.message}`);
    return null;
  }
  const parsed = traceHeaderSchema.safeParse(migrated.value, headerOptions);
  if (parsed.success) return parsed.data as TraceHeader;
  for (const e of issuesToErrors(parsed.error.issues)) {
    errors.add(line, `${formatPath(e.path, 'header')}: ${e.message}`);
  }
  return null;
}

/**
 * Read a trace exported by exportTrace. Line numbers in errors count every physical line, blank
 * ones included, as an editor shows them. Checks each event against the schema and that `seq`
 * strictly increases. Stops at MAX_IMPORT_ERRORS errors, saying where. Never throws.
 */
export function importTrace(text: string, options: ImportOptions = {}): ImportResult {
  const errors = new ErrorList();
  if (typeof text !== 'string') {
    return { ok: false, errors: ['line 1: expected text, got ' + typeof text] };
  }
  const total = text.length;
  const every = options.progressEvery ?? 1_000_000;
  let nextProgress = every;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let header: TraceHeader | null = null;
  let sawHeaderLine = false;
  /** The version the file was written in: its events are upgraded from it. */
  let fileVersion = TRACE_VERSION;
  const events: TraceEvent[] = [];
  let lastSeq = -1;
  let lastSeqLine = 0;
  let decoder: CompactDecoder | null = null;
  let lineNo = 0;
  // Walk the lines with indexOf rather than split: a large file is never copied into an array
  // of millions of strings before the first error is found.
  while (pos <= total && !errors.full) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = total;
    lineNo++;
    const raw = text.slice(pos, end);
    pos = end + 1;
    if (options.onProgress && pos >= nextProgress) {
      nextProgress = pos + every;
      options.onProgress(Math.min(pos, total), total);
    }
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') continue;
    const json = parseJson(content);
    if (!sawHeaderLine) {
      sawHeaderLine = true;
      if (!json.ok) {
        errors.add(lineNo, json.message);
        continue;
      }
      header = checkHeader(json.value, lineNo, errors);
      if (header !== null) fileVersion = (json.value as { version: number }).version;
      if (header?.encoding === 'compact') {
        decoder = new CompactDecoder();
        // The events are full once read: the header describes what importTrace returns.
        delete header.encoding;
      }
      // A file without its header may be a bare list of events: check this line as one too.
      const looksLikeEvent = header === null && isObject(json.value) && 'seq' in json.value;
      if (!looksLikeEvent) continue;
    }
    if (!json.ok) {
      errors.add(lineNo, json.message);
      continue;
    }
    const upgraded = migrateEvent(
      fileVersion,
      decoder === null ? json.value : decoder.decode(json.value),
    );
    if (!upgraded.ok) {
      errors.add(lineNo, `event: ${upgraded.message}`);
      continue;
    }
    const parsed = traceEventSchema.safeParse(upgraded.value, eventOptions);
    if (!parsed.success) {
      for (const e of issuesToErrors(parsed.error.issues)) {
        errors.add(lineNo, `${formatPath(e.path, 'event')}: ${e.message}`);
      }
      continue;
    }
    const event = parsed.data as TraceEvent;
    if (event.seq <= lastSeq) {
      errors.add(
        lineNo,
        `event.seq: ${event.seq} does not follow seq ${lastSeq} (line ${lastSeqLine}); seq must strictly increase`,
      );
    } else {
      lastSeq = event.seq;
      lastSeqLine = lineNo;
    }
    if (errors.count === 0) events.push(event);
  }
  options.onProgress?.(errors.full ? Math.min(pos, total) : total, total);
  if (!sawHeaderLine)
    return { ok: false, errors: [`line 1: empty file, expected a ${TRACE_FORMAT} header`] };
  if (errors.full && pos < total) {
    return {
      ok: false,
      errors: [
        ...errors.shown,
        `stopped after ${MAX_IMPORT_ERRORS} errors at line ${lineNo}; the rest of the file ` +
          `(${total - pos} more characters) was not checked`,
      ],
    };
  }
  if (errors.count > 0 || header === null) return { ok: false, errors: errors.shown };
  return { ok: true, header, events };
}
