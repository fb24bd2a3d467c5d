// The trace is complete in the browser too (issue 9): after writes, a crash and a restart of a
// follower, the view model folded in Node from the page's trace alone (window.playground.trace())
// equals what the workers' nodes report (window.playground.status() and appliedState): role,
// term, leader, commit and applied indexes, last log index, and the state machine's contents.
// The cluster is paused first and the comparison waits until neither the trace nor the status
// moves any more, so both sides describe the same moment.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/trace/events.ts';
import { emptyState, type ViewState } from '../../src/state/model.ts';
import { reduce } from '../../src/state/reduce.ts';
import { smContents } from '../../src/state/sm.ts';
import { agreedLeader, playgroundSuite, waitFor, type PlaygroundPage } from './harness.ts';

const { cluster } = playgroundSuite(3);
const G = 'nacos_config';

const publish = (dataId: string, content: string) => ({ type: 'publish', dataId, content });

async function writeAtLeader(p: PlaygroundPage, dataId: string, content: string): Promise<void> {
  const l = await agreedLeader(p);
  const r = await p.page.evaluate(([n, op]) => window.playground.write(n, 'nacos_config', op), [
    l,
    publish(dataId, content),
  ] as const);
  expect(r.ok, JSON.stringify(r)).toBe(true);
}

/** The trace and the nodes' status once both stopped changing (the cluster is paused). */
async function settled(p: PlaygroundPage): Promise<{ events: TraceEvent[]; status: string }> {
  const look = () =>
    p.page.evaluate(async () => ({
      nodes: JSON.stringify((await window.playground.status()).nodes),
      count: window.playground.trace().length,
    }));
  let prev = await look();
  let stable = 0;
  // Bounded: 100 polls of 300 ms; a paused cluster settles within a few.
  for (let i = 0; i < 100 && stable < 3; i++) {
    await new Promise((r) => setTimeout(r, 300));
    const cur = await look();
    stable = cur.nodes === prev.nodes && cur.count === prev.count ? stable + 1 : 0;
    prev = cur;
  }
  expect(stable, 'the paused cluster did not settle').toBeGreaterThanOrEqual(3);
  const events = (await p.page.evaluate(() =>
    JSON.parse(JSON.stringify(window.playground.trace())),
  )) as TraceEvent[];
  expect(events.length, 'the trace moved after the status settled').toBe(prev.count);
  return { events, status: prev.nodes };
}

describe('trace completeness in the browser', () => {
  // The crash ends the victim's Worker at once, so its last trace events (buffered for up to
  // TRACE_FLUSH_MS) may never reach the page, among them writes that did reach its disk. The
  // restarted node's `recovered` events say what it loaded, and the model takes the node from
  // those: this run checks that nothing the page shows depends on the lost events.
  it('the model folded from the page trace equals what the nodes report', async () => {
    const p = await cluster();
    await agreedLeader(p);
    for (let i = 0; i < 4; i++) await writeAtLeader(p, `k${i % 2}`, `v${i}`);
    const l = await agreedLeader(p);
    const victim = l === 'n1' ? 'n2' : 'n1';
    await p.page.evaluate((n) => window.playground.crash(n), victim);
    for (let i = 4; i < 8; i++) await writeAtLeader(p, `k${i % 3}`, `v${i}`);
    await p.page.evaluate((n) => window.playground.restart(n), victim);
    // Wait until the restarted node caught up (commit and applied equal everywhere).
    await waitFor(
      p.page,
      'every node to apply the same index',
      async () => {
        const s = await window.playground.status();
        const applied = Object.values(s.nodes).map((n) => n.groups?.nacos_config.applied ?? -1);
        return applied.every((a) => a === applied[0] && a > 0);
      },
      null,
      60_000,
    );
    await p.page.evaluate(() => window.playground.pause());
    const { events, status } = await settled(p);
    const nodes = JSON.parse(status) as Record<
      string,
      {
        state: string;
        groups: Record<
          string,
          {
            role: string;
            term: number;
            leader: string | null;
            commit: number;
            applied: number;
            lastIndex: number;
          }
        > | null;
      }
    >;
    let state: ViewState = emptyState([G]);
    for (const e of events) state = reduce(state, e);
    const diffs: string[] = [];
    for (const [id, n] of Object.entries(nodes)) {
      const m = state.nodes[id];
      if (m === undefined) {
        diffs.push(`${id}: missing from the model`);
        continue;
      }
      if (n.state !== 'running' || n.groups === null) continue;
      expect(m.status, `${id} status`).toBe('up');
      for (const [g, real] of Object.entries(n.groups)) {
        const mg = m.groups[g];
        const model = {
          role: mg?.role,
          term: mg?.term,
          leader: mg?.leader,
          commit: mg?.log.commit,
          applied: mg?.log.applied,
          lastIndex: mg === undefined ? -1 : mg.log.snapshotIndex + mg.log.entries.length,
        };
        const want = {
          role: real.role,
          term: real.term,
          leader: real.leader,
          commit: real.commit,
          applied: real.applied,
          lastIndex: real.lastIndex,
        };
        if (JSON.stringify(model) !== JSON.stringify(want)) {
          diffs.push(`${id}/${g}: model ${JSON.stringify(model)}, node ${JSON.stringify(want)}`);
        }
        const contents = await p.page.evaluate(
          ([node, group]) => window.playground.appliedState(node, group),
          [id, g] as const,
        );
        if (mg !== undefined && JSON.stringify(smContents(mg.sm)) !== JSON.stringify(contents)) {
          diffs.push(`${id}/${g} state machine: model ${JSON.stringify(smContents(mg.sm))}`);
        }
      }
    }
    expect(diffs, diffs.join('\n')).toEqual([]);
    // The crash and the restart are in the model's lifecycle too.
    expect(state.nodes[victim].incarnation).toBe(2);
    await p.page.evaluate(() => window.playground.resume());
    expect(p.problems).toEqual([]);
  }, 240_000);
});
