// The Worker entry of one Raft node: exposes the node host's API with comlink. Everything else
// lives in src/runtime/nodeWorker.ts; the main thread imports only the API type.
import { expose } from 'comlink';
import { NodeHost } from '../src/runtime/nodeWorker.ts';

export type { NodeWorkerApi } from '../src/runtime/workerApi.ts';

expose(new NodeHost());
