// The Worker entry for a trace's heavy work off the page's thread: the JSON Lines export built
// as a Blob in parts (with progress), the converters (src/trace/convert), the checks
// (src/trace/check.ts), the summary and the scenario that reproduces the run. Exposed with
// comlink; the page imports only the API type. Nothing here is reimplemented: each call is the
// pure function the CLI uses.
import { expose } from 'comlink';
import { checkTrace, formatCheckReport } from '../src/trace/check.ts';
import { CONVERTERS, isConvertFormat, type ConvertOptions } from '../src/trace/convert/index.ts';
import { formatSummary, summarizeTrace } from '../src/trace/convert/summary.ts';
import type { TraceEvent, TraceHeader } from '../src/trace/events.ts';
import { scenarioFromTrace, type ReproduceResult } from '../src/trace/reproduce.ts';
import { exportParts } from '../src/ui/traceio/streamExport.ts';

export interface TraceCheckOutcome {
  ok: boolean;
  /** The report as the CLI prints it. */
  text: string;
  /** Per check: its name, failures counted, and the first failure's message. */
  checks: { name: string; failures: number; first: string | null }[];
  notes: string[];
}

export interface TraceIoApi {
  /** The trace as a JSON Lines Blob (exportTrace's bytes), built in parts. */
  exportJsonl(
    header: TraceHeader,
    events: readonly TraceEvent[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<Blob>;
  /** A converter's output (perfetto, shiviz, edn, history-json, mermaid). */
  convert(
    header: TraceHeader,
    events: readonly TraceEvent[],
    format: string,
    options?: ConvertOptions,
  ): Promise<string>;
  check(header: TraceHeader, events: readonly TraceEvent[]): Promise<TraceCheckOutcome>;
  summary(header: TraceHeader, events: readonly TraceEvent[]): Promise<string>;
  reproduce(header: TraceHeader, events: readonly TraceEvent[]): Promise<ReproduceResult>;
}

const api: TraceIoApi = {
  async exportJsonl(header, events, onProgress) {
    let last = 0;
    const parts = exportParts(header, events, {
      onProgress: (done, total) => {
        // At most about a hundred messages back to the page, whatever the size.
        if (onProgress !== undefined && (done - last >= total / 100 || done === total)) {
          last = done;
          void onProgress(done, total);
        }
      },
    });
    return new Blob(parts, { type: 'application/x-ndjson' });
  },
  async convert(header, events, format, options = {}) {
    if (!isConvertFormat(format)) {
      throw new Error(
        `convert: unknown format "${format}" (formats: ${Object.keys(CONVERTERS).join(', ')})`,
      );
    }
    return CONVERTERS[format].convert({ header, events }, options);
  },
  async check(header, events) {
    const report = checkTrace(header, events);
    return {
      ok: report.ok,
      text: formatCheckReport(report),
      checks: Object.entries(report.failureCounts).map(([name, failures]) => ({
        name,
        failures,
        first: report.failures.find((f) => f.check === name)?.message ?? null,
      })),
      notes: report.notes,
    };
  },
  async summary(header, events) {
    return formatSummary(summarizeTrace(header, events));
  },
  async reproduce(header, events) {
    return scenarioFromTrace(header, events);
  },
};

expose(api);
