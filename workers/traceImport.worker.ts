// The Worker entry that imports trace files off the page's thread: a 70 MB file takes seconds
// to parse, which on the main thread would freeze the page. Exposed with comlink, like the node
// workers; the page imports only the API type. Progress goes back through a comlink proxy.
import { expose } from 'comlink';
import { importTrace, type ImportProgress, type ImportResult } from '../src/trace/jsonl.ts';

export interface TraceImportApi {
  /** Parse and validate a trace (its text or a File); stops at the 20th error. */
  importTrace(input: string | Blob, onProgress?: ImportProgress): Promise<ImportResult>;
}

const api: TraceImportApi = {
  async importTrace(input, onProgress) {
    const text = typeof input === 'string' ? input : await input.text();
    // Progress every 2 MB: often enough for a progress bar, rare enough to cost nothing.
    return importTrace(text, { onProgress, progressEvery: 2_000_000 });
  },
};

expose(api);
