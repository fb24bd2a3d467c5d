// The simulated engine's branches: the first run ("main") and one per fork (acting while the time
// bar shows the past). Choosing one takes it up where it was left; its trace replaces the views'.
// Invariant: the list is the worker's, asked again after every fork, switch or reset; the
// control keeps one width whether there is one branch or many.
import { useEffect, useState, type ChangeEvent } from 'react';
import type { SimulatedEngine } from '../../engine/simulated.ts';
import type { BranchInfo } from '../../engine/simWorkerApi.ts';
import type { Engine } from '../../engine/types.ts';
import { notify } from '../notices.ts';

export function BranchSwitcher({ engine }: { engine: Engine }) {
  const sim = engine as SimulatedEngine;
  const [branches, setBranches] = useState<BranchInfo[]>([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (typeof sim.branches !== 'function') return;
    let live = true;
    const load = (): void => {
      sim
        .branches()
        .then((b) => {
          if (live) setBranches(b);
        })
        .catch(() => undefined);
    };
    load();
    const off = sim.onBranchesChange(load);
    return () => {
      live = false;
      off();
    };
  }, [sim]);
  const current = branches.find((b) => b.current);
  const onChange = (ev: ChangeEvent<HTMLSelectElement>): void => {
    const id = Number(ev.target.value);
    setBusy(true);
    sim
      .switchBranch(id)
      .then((r) => {
        if (!r.ok) notify(r.error, 'error');
        else notify(`Switched to branch ${branches.find((b) => b.id === id)?.label ?? id}.`);
      })
      .finally(() => setBusy(false));
  };
  return (
    <label className="timebar-branch" title={current?.label ?? 'main'}>
      <span>Branch</span>
      <select
        id="timebar-branch"
        value={current === undefined ? '' : String(current.id)}
        onChange={onChange}
        disabled={busy || branches.length < 2}
        aria-label={`Branch of the run (${branches.length} kept)`}
      >
        {branches.length === 0 && <option value="">main</option>}
        {branches.map((b) => (
          <option key={b.id} value={String(b.id)}>
            {b.label}
          </option>
        ))}
      </select>
    </label>
  );
}
