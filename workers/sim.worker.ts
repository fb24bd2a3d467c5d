// The Worker entry of the simulated engine: the deterministic simulator, paced to wall time, off
// the page's thread. The page imports only the API type, so the simulator's modules are bundled
// into this worker and never into the page.
import { expose } from 'comlink';
import {
  createSimWorkerApi,
  wireSimWorkerApi,
  type SimWorkerApi,
  type SimWorkerWire,
} from '../src/engine/simWorkerApi.ts';

export type { SimWorkerApi, SimWorkerWire };

expose(wireSimWorkerApi(createSimWorkerApi()));
