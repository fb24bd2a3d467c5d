// What a command means while the time bar looks at the past. On the simulated engine it forks
// the run at the moment shown: the simulator replays to that cluster time from its seed and
// command log and runs the command there (the earlier branch is kept). On the live engine the
// past cannot be changed: the command acts on the cluster now, and the views return to live so
// the person sees it. Commands that only pace the engine (speed, its clock's pause, reset) never
// fork. Invariant: a command is sent exactly once, to exactly one branch.
import type { SimulatedEngine } from '../../engine/simulated.ts';
import type { Engine, EngineCommand, EngineResult } from '../../engine/types.ts';
import type { ViewStore } from '../../state/store.ts';
import { formatTime } from './track.ts';

/** Whether `cmd` changes the cluster (so acting in the past forks), rather than pacing it. */
export function changesCluster(cmd: EngineCommand): boolean {
  switch (cmd.type) {
    case 'speed':
    case 'seek':
    case 'reset':
      return false;
    case 'pause':
    case 'resume':
      return cmd.node !== undefined;
    default:
      return true;
  }
}

function forkable(engine: Engine): engine is SimulatedEngine {
  return engine.kind === 'simulated' && typeof (engine as SimulatedEngine).fork === 'function';
}

/**
 * Run `cmd` on `engine` given the store's cursor: in the past on a simulated engine, a fork at
 * the shown time; otherwise the command as it is (returning to live first when it changes the
 * live cluster). `say` tells the person what happened beyond the command's own outcome.
 */
export async function runAtCursor(
  engine: Engine,
  store: ViewStore,
  cmd: EngineCommand,
  say: (text: string) => void,
): Promise<EngineResult> {
  const { cursor, view } = store.getState();
  if (cursor === null || !changesCluster(cmd)) return engine.command(cmd);
  if (forkable(engine)) {
    const atMs = view.t;
    const r = await engine.fork(atMs, cmd);
    if (r.ok) {
      store.getState().seek(null);
      say(
        `Forked the run at ${formatTime(atMs)}: ${cmd.type} there, and the run goes on from it. ` +
          'The earlier branch is kept (Branch, in the time bar).',
      );
    }
    return r;
  }
  if (engine.kind === 'live') {
    store.getState().seek(null);
    say(`The live cluster cannot change its past: ${cmd.type} acted now; back to live.`);
  }
  return engine.command(cmd);
}
