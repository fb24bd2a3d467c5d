// The trace converters by format name, for the CLI and the page: each a pure function from a
// trace (header and events) to the text of a file another tool opens.
// Invariant: CONVERT_FORMATS lists exactly the keys of CONVERTERS, in the order the help shows.
import type { ConvertOptions } from './common.ts';
import { toEdn, toHistoryJson } from './history.ts';
import { toMermaid } from './mermaid.ts';
import { toPerfetto } from './perfetto.ts';
import type { Trace } from './read.ts';
import { toShiviz } from './shiviz.ts';

export type { ConvertOptions } from './common.ts';
export type { Trace } from './read.ts';

export type ConvertFormat = 'perfetto' | 'shiviz' | 'edn' | 'history-json' | 'mermaid';

export interface Converter {
  /** What the output is, in a few words, for the help text. */
  description: string;
  /** The file name extension of the output. */
  extension: string;
  convert(trace: Trace, options?: ConvertOptions): string;
}

export const CONVERTERS: Readonly<Record<ConvertFormat, Converter>> = {
  perfetto: {
    description: 'Chrome trace-event JSON for ui.perfetto.dev and chrome://tracing',
    extension: 'json',
    convert: toPerfetto,
  },
  shiviz: {
    description: 'a ShiViz log with vector clocks (its regular expression on the first line)',
    extension: 'log',
    convert: toShiviz,
  },
  edn: {
    description: 'the client history in Jepsen EDN, one operation map per line',
    extension: 'edn',
    convert: toEdn,
  },
  'history-json': {
    description: 'the client history as JSON, one object per invoke/ok/fail/info',
    extension: 'json',
    convert: toHistoryJson,
  },
  mermaid: {
    description: 'a Mermaid sequence diagram of the window (at most 400 arrows and notes)',
    extension: 'mmd',
    convert: toMermaid,
  },
};

export const CONVERT_FORMATS = Object.keys(CONVERTERS) as ConvertFormat[];

export function isConvertFormat(name: string): name is ConvertFormat {
  return Object.hasOwn(CONVERTERS, name);
}
