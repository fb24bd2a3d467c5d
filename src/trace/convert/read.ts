// Reading a trace file one line at a time, for the trace CLI (convert, check, summary): the same
// rules as importTrace (jsonl.ts: header first, older versions upgraded by migrate.ts, every
// event checked against the schema, seq strictly increasing), but fed line by line, so the CLI
// streams a large file and stops at the first errors instead of reading it whole.
// Invariants: never throws on any input; once MAX_IMPORT_ERRORS errors are collected `full` is
// true and further lines are ignored; events are kept only while the file has no error, so a
// partly bad file never yields a partial trace (with `keep` false finish() returns no events:
// the caller took them through onEvent); a line longer than LINE_CHARS_MAX is refused
// without being parsed.
import { CompactDecoder } from '../compact.ts';
import type { TraceEvent, TraceHeader } from '../events.ts';
import { TRACE_FORMAT, TRACE_VERSION } from '../events.ts';
import { MAX_IMPORT_ERRORS } from '../jsonl.ts';
import { migrateEvent, migrateHeader } from '../migrate.ts';
import {
  formatPath,
  issuesToErrors,
  traceEventSchema,
  traceHeaderSchema,
  userFileParseOptions,
} from '../schema.ts';

/** A trace as the converters and checks take it. */
export interface Trace {
  header: TraceHeader;
  events: readonly TraceEvent[];
}

/**
 * The longest line read: no event the hosts write comes near it (messages are summaries), so a
 * longer line is not a trace line, and parsing it would only cost memory.
 */
export const LINE_CHARS_MAX = 4_000_000;

const headerOptions = userFileParseOptions();
const eventOptions = userFileParseOptions({ type: 'event type', fault: 'fault' });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type ReadResult = { ok: true; trace: Trace } | { ok: false; errors: string[] };

export interface LineReaderOptions {
  /** Keep the events for finish() (default true); false with onEvent streams them instead. */
  keep?: boolean;
  /**
   * Called with each valid event while the file has shown no error, in file order: a caller
   * folding events as they come (the checks, the summary) needs no copy of the file in memory.
   * Its result stands only if finish() then says ok.
   */
  onEvent?: (event: TraceEvent, header: TraceHeader) => void;
}

/** Feed it the lines of a file in order (without their "\n"), then call finish(). */
export class TraceLineReader {
  private readonly keep: boolean;
  private readonly onEvent: LineReaderOptions['onEvent'];

  constructor(options: LineReaderOptions = {}) {
    this.keep = options.keep ?? true;
    this.onEvent = options.onEvent;
  }

  private readonly errors: string[] = [];
  private header: TraceHeader | null = null;
  /** Set when the header says the lines use the compact encoding (compact.ts). */
  private decoder: CompactDecoder | null = null;
  /** A line that is not blank was read (the file is not empty). */
  private sawLine = false;
  /** The first such line was taken as the header (valid or not). */
  private sawHeader = false;
  private fileVersion = TRACE_VERSION;
  private readonly events: TraceEvent[] = [];
  private lastSeq = -1;
  private lastSeqLine = 0;
  private lineNo = 0;

  /** True once enough errors are collected: stop feeding lines. */
  get full(): boolean {
    return this.errors.length >= MAX_IMPORT_ERRORS;
  }

  /** Lines fed so far (blank ones included, as an editor counts them). */
  get lines(): number {
    return this.lineNo;
  }

  private error(message: string): void {
    if (!this.full) this.errors.push(`line ${this.lineNo}: ${message}`);
  }

  /**
   * Count a line the caller did not keep because it grew past LINE_CHARS_MAX (a stream reader
   * stops buffering it there), and report it.
   */
  pushTooLong(chars: number): void {
    this.lineNo++;
    this.error(`line of more than ${chars} characters, longer than any trace line`);
  }

  /** Read one physical line; "\r" at its end and a BOM on the first line are ignored. */
  push(line: string): void {
    this.lineNo++;
    if (this.full) return;
    let content = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (this.lineNo === 1 && content.charCodeAt(0) === 0xfeff) content = content.slice(1);
    if (content.length > LINE_CHARS_MAX) {
      this.error(`line of ${content.length} characters, longer than any trace line`);
      return;
    }
    if (content.trim() === '') return;
    this.sawLine = true;
    let value: unknown;
    try {
      value = JSON.parse(content);
    } catch (e) {
      this.error(`invalid JSON (${e instanceof Error ? e.message : String(e)})`);
      this.sawHeader = true;
      return;
    }
    if (!this.sawHeader) {
      this.sawHeader = true;
      this.readHeader(value);
      // A file without its header may be a bare list of events: check this line as one too.
      if (this.header !== null || !isObject(value) || !('seq' in value)) return;
    }
    this.readEvent(value);
  }

  private readHeader(value: unknown): void {
    if (!isObject(value) || value.format !== TRACE_FORMAT) {
      this.error(`not a ${TRACE_FORMAT} header`);
      return;
    }
    const migrated = migrateHeader(value);
    if (!migrated.ok) {
      this.error(`header.version: ${migrated.message}`);
      return;
    }
    const parsed = traceHeaderSchema.safeParse(migrated.value, headerOptions);
    if (!parsed.success) {
      for (const e of issuesToErrors(parsed.error.issues)) {
        this.error(`${formatPath(e.path, 'header')}: ${e.message}`);
      }
      return;
    }
    this.header = parsed.data as TraceHeader;
    this.fileVersion = value.version as number;
    if (this.header.encoding === 'compact') {
      this.decoder = new CompactDecoder();
      // The events are full once read: the header describes what the reader returns.
      delete this.header.encoding;
    }
  }

  private readEvent(value: unknown): void {
    const upgraded = migrateEvent(
      this.fileVersion,
      this.decoder === null ? value : this.decoder.decode(value),
    );
    if (!upgraded.ok) {
      this.error(`event: ${upgraded.message}`);
      return;
    }
    const parsed = traceEventSchema.safeParse(upgraded.value, eventOptions);
    if (!parsed.success) {
      for (const e of issuesToErrors(parsed.error.issues)) {
        this.error(`${formatPath(e.path, 'event')}: ${e.message}`);
      }
      return;
    }
    const event = parsed.data as TraceEvent;
    if (event.seq <= this.lastSeq) {
      this.error(
        `event.seq: ${event.seq} does not follow seq ${this.lastSeq} (line ` +
          `${this.lastSeqLine}); seq must strictly increase`,
      );
      return;
    }
    this.lastSeq = event.seq;
    this.lastSeqLine = this.lineNo;
    if (this.errors.length > 0 || this.header === null) return;
    if (this.keep) this.events.push(event);
    this.onEvent?.(event, this.header);
  }

  /**
   * The trace, or the errors. `complete` false says the caller stopped before the end of the
   * file (because the reader was full): the errors then end with where reading stopped.
   */
  finish(complete = true): ReadResult {
    if (!this.sawLine) {
      return { ok: false, errors: [`line 1: empty file, expected a ${TRACE_FORMAT} header`] };
    }
    if (this.errors.length > 0 || this.header === null) {
      const errors = [...this.errors];
      if (this.full && !complete) {
        errors.push(
          `stopped after ${MAX_IMPORT_ERRORS} errors at line ${this.lineNo}; the rest of the ` +
            `file was not checked`,
        );
      }
      return { ok: false, errors };
    }
    return { ok: true, trace: { header: this.header, events: this.events } };
  }
}

/** Read a whole text (tests, and callers that hold the file already). */
export function readTraceText(text: string): ReadResult {
  const reader = new TraceLineReader();
  let pos = 0;
  while (pos <= text.length && !reader.full) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    reader.push(text.slice(pos, end));
    pos = end + 1;
  }
  return reader.finish(pos > text.length);
}
