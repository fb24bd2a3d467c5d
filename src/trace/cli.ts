// The trace command line (`npm run trace -- …`): convert a trace file for other tools, check
// it, or sum it up. The only file of src/trace that touches the world (arguments, files,
// stdout, the exit code). Exit codes: 0 done (every check passed); 1 a check failed (or a
// conversion could not be written); 2 bad arguments, or a file that cannot be read or is not a
// valid trace. Errors are one clear message each, never a stack trace.
// Invariants: the file is streamed in chunks and split into lines here, so a huge file is read
// once (check and summary fold the events as they come and keep none of them), a line is never buffered past LINE_CHARS_MAX, and reading stops at the first
// MAX_IMPORT_ERRORS errors; only regular files are read (a FIFO or a device could block
// forever); every argument and the output path are checked before the file is read.
import {
  accessSync,
  constants,
  createReadStream,
  realpathSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCheckReport, TraceChecker } from './check.ts';
import type { ConvertFormat } from './convert/index.ts';
import { CONVERTERS, CONVERT_FORMATS, isConvertFormat } from './convert/index.ts';
import type { LineReaderOptions, ReadResult } from './convert/read.ts';
import { LINE_CHARS_MAX, TraceLineReader } from './convert/read.ts';
import { formatSummary, TraceSummarizer } from './convert/summary.ts';

export const USAGE = `usage:
  npm run trace -- convert FILE --to FORMAT [--out OUT] [--from-ms A] [--to-ms B]
      convert a trace (JSON Lines, as the playground exports it) for another tool; FORMAT is
${CONVERT_FORMATS.map((f) => `        ${f.padEnd(13)} ${CONVERTERS[f].description}`).join('\n')}
      --out writes a file (default: standard output); --from-ms/--to-ms keep the events of
      that window of cluster time
  npm run trace -- check FILE
      election safety, log matching, commit monotonic, state-machine safety, no acknowledged
      write lost, linearizability of the client history; exits 1 if any check fails
  npm run trace -- summary FILE
      nodes, terms and leaders per group, faults, requests ok/failed/unknown, latency
exit codes: 0 done, 1 a check failed, 2 bad arguments or an unreadable or invalid file`;

export class UsageError extends Error {}

export type Args =
  | {
      command: 'convert';
      file: string;
      to: ConvertFormat;
      out: string | null;
      fromMs: number | undefined;
      toMs: number | undefined;
    }
  | { command: 'check' | 'summary'; file: string }
  | { command: 'help' };

function parseMs(text: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) {
    throw new UsageError(`${flag}: expected a number of milliseconds >= 0, got "${text}"`);
  }
  return Number(text);
}

/** The command line's meaning, or a UsageError saying what is wrong with it. */
export function parseArgs(argv: readonly string[]): Args {
  if (argv.length === 0) throw new UsageError('give a command: convert, check or summary');
  if (argv.includes('--help') || argv.includes('-h')) return { command: 'help' };
  const [command, ...rest] = argv;
  if (command !== 'convert' && command !== 'check' && command !== 'summary') {
    throw new UsageError(`unknown command "${command}"; one of convert, check, summary`);
  }
  let file: string | undefined;
  let to: string | undefined;
  let out: string | undefined;
  let fromMs: number | undefined;
  let toMs: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (!arg.startsWith('--')) {
      if (file !== undefined)
        throw new UsageError(`one trace file at a time (got "${file}" and "${arg}")`);
      file = arg;
      continue;
    }
    if (command !== 'convert') throw new UsageError(`${command} takes no option ${arg}`);
    switch (arg) {
      case '--to':
        to = value();
        break;
      case '--out':
        out = value();
        break;
      case '--from-ms':
        fromMs = parseMs(value(), arg);
        break;
      case '--to-ms':
        toMs = parseMs(value(), arg);
        break;
      default:
        throw new UsageError(`unknown option "${arg}"`);
    }
  }
  if (file === undefined) throw new UsageError(`${command} needs a trace FILE`);
  if (command !== 'convert') return { command, file };
  if (to === undefined) {
    throw new UsageError(`convert needs --to FORMAT (one of ${CONVERT_FORMATS.join(', ')})`);
  }
  if (!isConvertFormat(to)) {
    throw new UsageError(`unknown format "${to}"; one of ${CONVERT_FORMATS.join(', ')}`);
  }
  if (fromMs !== undefined && toMs !== undefined && toMs < fromMs) {
    throw new UsageError(`--to-ms ${toMs} is before --from-ms ${fromMs}`);
  }
  if (out !== undefined) {
    const why = unwritable(out);
    if (why !== null) throw new UsageError(`--out ${out}: ${why}`);
  }
  return { command, file, to, out: out ?? null, fromMs, toMs };
}

/** Why a file cannot be written at `path`, or null (nothing is created or truncated here). */
function unwritable(path: string): string | null {
  const target = resolve(path);
  try {
    if (statSync(target).isDirectory()) return 'is a directory';
    accessSync(target, constants.W_OK);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOTDIR') return 'a part of the path before the file name is not a directory';
    if (e.code !== 'ENOENT') return `cannot write it (${e.code ?? e.message})`;
  }
  const dir = dirname(target);
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return `directory ${dir} does not exist`;
    return `cannot write in ${dir} (${e.code ?? e.message})`;
  }
}

/** Why `path` cannot be read as a trace file, or null. */
function unreadable(path: string): string | null {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return 'is a directory';
    if (!st.isFile()) return 'is not a regular file';
    accessSync(path, constants.R_OK);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return 'no such file';
    if (e.code === 'EACCES') return 'permission denied';
    return e.code ?? e.message;
  }
}

/**
 * Stream the trace file at `path` through a TraceLineReader, a chunk at a time, stopping as soon
 * as the reader has collected enough errors.
 */
export async function readTraceFile(
  path: string,
  options: LineReaderOptions = {},
): Promise<ReadResult> {
  const reader = new TraceLineReader(options);
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let partial = '';
  /** Characters of the current line dropped because it grew past LINE_CHARS_MAX. */
  let overlong = 0;
  let complete = true;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      let pos = 0;
      while (pos < chunk.length) {
        const nl = chunk.indexOf('\n', pos);
        const piece = chunk.slice(pos, nl === -1 ? chunk.length : nl);
        pos = nl === -1 ? chunk.length : nl + 1;
        if (overlong > 0) overlong += piece.length;
        else if (partial.length + piece.length > LINE_CHARS_MAX) {
          overlong = partial.length + piece.length;
          partial = '';
        } else partial += piece;
        if (nl === -1) break;
        if (overlong > 0) reader.pushTooLong(overlong);
        else reader.push(partial);
        partial = '';
        overlong = 0;
        if (reader.full) break;
      }
      if (reader.full) {
        complete = false;
        break;
      }
    }
  } finally {
    stream.destroy();
  }
  if (complete) {
    if (overlong > 0) reader.pushTooLong(overlong);
    else if (partial !== '') reader.push(partial);
  }
  return reader.finish(complete);
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Run a command line; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`trace: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (args.command === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const why = unreadable(args.file);
  if (why !== null) {
    io.err(`trace: cannot read ${args.file}: ${why}\n`);
    return 2;
  }
  // The checks and the summary fold events as they are read; only a conversion keeps them.
  let checker: TraceChecker | null = null;
  let summarizer: TraceSummarizer | null = null;
  const command = args.command;
  const options: LineReaderOptions =
    command === 'convert'
      ? {}
      : {
          keep: false,
          onEvent: (event, header) => {
            if (command === 'check') (checker ??= new TraceChecker(header)).add(event);
            else (summarizer ??= new TraceSummarizer(header)).add(event);
          },
        };
  let read: ReadResult;
  try {
    read = await readTraceFile(args.file, options);
  } catch (err) {
    io.err(`trace: cannot read ${args.file}: ${(err as Error).message}\n`);
    return 2;
  }
  if (!read.ok) {
    io.err(
      `trace: ${args.file} is not a valid trace:\n${read.errors.map((e) => `  ${e}`).join('\n')}\n`,
    );
    return 2;
  }
  const { header } = read.trace;
  try {
    switch (args.command) {
      case 'check': {
        const report = (checker ?? new TraceChecker(header)).finish();
        io.out(`${formatCheckReport(report)}\n`);
        return report.ok ? 0 : 1;
      }
      case 'summary':
        io.out(`${formatSummary((summarizer ?? new TraceSummarizer(header)).finish())}\n`);
        return 0;
      case 'convert': {
        const text = CONVERTERS[args.to].convert(read.trace, {
          fromMs: args.fromMs,
          toMs: args.toMs,
        });
        if (args.out === null) {
          io.out(text);
          return 0;
        }
        writeFileSync(args.out, text);
        io.err(`trace: ${args.to} of ${read.trace.events.length} events written to ${args.out}\n`);
        return 0;
      }
    }
  } catch (err) {
    // A bug or a full disk: said in one line, with the command that failed.
    io.err(`trace: ${args.command} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** Whether this module is the program being run (not imported, as the tests import main). */
function isProgram(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isProgram()) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      process.stderr.write(`trace: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
