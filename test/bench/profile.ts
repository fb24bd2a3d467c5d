// Where the CPU goes while a cluster writes at saturation: Chromium's CDP Profiler on the page
// and on every node worker (attached through Target.setAutoAttach), headless. Prints the
// functions with the most self time per thread. A tool for finding what limits the browser
// benchmark (test/bench/browser.bench.ts), not a benchmark itself:
//   npx tsx test/bench/profile.ts            (env: PROFILE_NODES=5, PROFILE_CLIENTS=256,
//                                             PROFILE_MS=5000, PROFILE_SETUP=best|user,
//                                             PROFILE_BUILD=dev|production)
import { openPlayground, startHarness, waitFor } from '../browser/harness.ts';

const NODES = Number(process.env.PROFILE_NODES ?? 5);
const CLIENTS = Number(process.env.PROFILE_CLIENTS ?? 256);
const MS = Number(process.env.PROFILE_MS ?? 5000);
const USER = process.env.PROFILE_SETUP === 'user';
/** The dev server (React's development build, as `npm run dev`) or the production build. */
const PRODUCTION = process.env.PROFILE_BUILD === 'production';
const TOP = Number(process.env.PROFILE_TOP ?? 25);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

function summarize(name: string, profile: Profile): void {
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const deltas = profile.timeDeltas ?? [];
  const samples = profile.samples ?? [];
  let total = 0;
  samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const f = n.callFrame;
    const file = f.url.split('/').slice(-2).join('/').split('?')[0];
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    const dt = (deltas[i + 1] ?? deltas[i] ?? 0) / 1000;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  const wall = (profile.endTime - profile.startTime) / 1000;
  const idle = self.get('(idle) :0') ?? 0;
  console.log(
    `\n${name}: ${wall.toFixed(0)} ms profiled, busy ${(total - idle).toFixed(0)} ms (${(((total - idle) / wall) * 100).toFixed(0)} %)`,
  );
  const top = [...self.entries()]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP);
  for (const [k, v] of top) console.log(`  ${v.toFixed(1).padStart(8)} ms  ${k}`);
}

async function main(): Promise<void> {
  const h = await startHarness({ production: PRODUCTION });
  try {
    const p = await openPlayground(h);
    await p.page.evaluate(() => {
      (window as unknown as { __name: (f: unknown) => unknown }).__name = (f) => f;
    });
    const cdp = await h.context.newCDPSession(p.page);
    // Workers: auto-attach without flattening; commands go through Target.sendMessageToTarget.
    const workers: { sessionId: string; url: string }[] = [];
    let nextId = 1;
    const waiting = new Map<number, (r: unknown) => void>();
    cdp.on('Target.attachedToTarget', (ev) => {
      if (ev.targetInfo.type === 'worker') {
        workers.push({ sessionId: ev.sessionId, url: ev.targetInfo.url });
      }
    });
    cdp.on('Target.receivedMessageFromTarget', (ev) => {
      const msg = JSON.parse(ev.message) as { id?: number; result?: unknown };
      if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
    });
    const toWorker = (sessionId: string, method: string, params: object = {}) =>
      new Promise<unknown>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        void cdp.send('Target.sendMessageToTarget', {
          sessionId,
          message: JSON.stringify({ id, method, params }),
        });
      });
    await cdp.send('Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: false,
      flatten: false,
    });
    await p.page.evaluate(
      ({ nodes, user }) =>
        window.playground.createCluster({
          nodes,
          network: user ? { delayMsMin: 1, delayMsMax: 10 } : { delayMsMin: 0, delayMsMax: 0 },
          trace: user,
          traceMessages: user,
          durability: 'strict',
        }),
      { nodes: NODES, user: USER },
    );
    const leader = await waitFor(
      p.page,
      'a leader',
      async () => (await window.playground.status()).leaders.nacos_config,
      null,
      60_000,
    );
    const load = p.page.evaluate(
      async ({ leader, clients, ms }) => {
        const c = window.playground.cluster!;
        let stop = false;
        let ok = 0;
        const client = async () => {
          for (let k = 0; !stop; k++) {
            const r = await c.write(leader, 'nacos_config', {
              type: 'publish',
              dataId: `p${Math.random()}`,
              content: 'x'.repeat(64),
            });
            if (r.ok) ok++;
          }
        };
        const running = Array.from({ length: clients }, client);
        await new Promise((r) => setTimeout(r, ms));
        stop = true;
        await Promise.all(running);
        return ok;
      },
      { leader, clients: CLIENTS, ms: MS + 2000 },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const targets = [...workers];
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    for (const w of targets) {
      await toWorker(w.sessionId, 'Profiler.enable');
      await toWorker(w.sessionId, 'Profiler.setSamplingInterval', { interval: 200 });
      await toWorker(w.sessionId, 'Profiler.start');
    }
    await new Promise((r) => setTimeout(r, MS));
    const main = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
    const results: [string, Profile][] = [['page (main thread)', main.profile]];
    for (const [i, w] of targets.entries()) {
      const r = (await toWorker(w.sessionId, 'Profiler.stop')) as { profile: Profile };
      results.push([`worker ${i + 1} (${w.url.split('/').pop()})`, r.profile]);
    }
    const ok = await load;
    console.log(
      `${NODES} nodes, ${USER ? 'user' : 'best'} set-up, ${CLIENTS} clients at leader ${leader}: ` +
        `${ok} writes in ${MS + 2000} ms (${((ok / (MS + 2000)) * 1000).toFixed(0)}/s)`,
    );
    for (const [name, prof] of results) summarize(name, prof);
  } finally {
    await h.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
