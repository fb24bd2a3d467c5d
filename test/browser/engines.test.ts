// The three engines behind window.playground (issue 9, item 4), in the page: the simulated
// engine runs in a Worker and its trace is the one the same host gives in Node for the same seed
// and the same commands at the same virtual times; the replay engine plays a run back and
// refuses to change it; importTrace opens a file in the replay engine; useEngine('live') returns
// to the browser cluster; bad arguments are refused before anything changes.
import { describe, expect, it } from 'vitest';
import { parseSimulatedOptions } from '../../src/engine/options.ts';
import { SimHost, type LoggedCommand } from '../../src/engine/simHost.ts';
import { playgroundSuite, waitFor } from './harness.ts';

const { page } = playgroundSuite(3);

const SIM = { seed: 11, nodes: 3, timing: 'lesson', speed: 'max' } as const;

describe('engines', () => {
  it('runs the simulator in the page with the trace Node gives for the same commands', async () => {
    const p = await page();
    const started = await p.page.evaluate((o) => window.playground.useEngine('simulated', o), SIM);
    expect(started).toMatchObject({ engine: 'simulated', seed: 11 });
    expect(await p.page.evaluate(() => window.playground.engine)).toBe('simulated');
    await waitFor(
      p.page,
      'a leader in the simulator',
      async () => (await window.playground.status()).leaders['nacos_config'],
      null,
    );
    const out = await p.page.evaluate(async () => {
      const pg = window.playground;
      const w = await pg.write('@leader:nacos_config', 'nacos_config', {
        type: 'publish',
        dataId: 'a',
        content: 'v1',
      });
      const crashed = await pg.crash('@leader:nacos_config');
      await pg.partition(['n1'], ['n2', 'n3']);
      await pg.heal();
      const refused = await pg.crash('n9').catch((e: Error) => e.message);
      await pg.pause();
      // Batches travel on their own port: give the last ones time to arrive.
      await new Promise((r) => setTimeout(r, 500));
      const status = await pg.status();
      const engine = pg.activeEngine as unknown as { commandLog(): Promise<unknown[]> };
      return {
        w,
        crashed,
        refused,
        nowMs: (status as unknown as { nowMs: number }).nowMs,
        paused: status.paused,
        text: pg.exportTrace(),
        log: await engine.commandLog(),
      };
    });
    expect(out.w).toMatchObject({ ok: true });
    expect(out.crashed).toMatch(/^n[1-3]$/);
    expect(out.refused).toMatch(/crash: node: .*n9/);
    expect(out.paused).toBe(true);
    // The same options, seed and logged commands in Node: the same trace, byte for byte.
    const host = new SimHost(parseSimulatedOptions(SIM));
    for (const { atMs, cmd } of out.log as LoggedCommand[]) {
      host.advanceTo(atMs);
      void host.apply(cmd);
    }
    host.advanceTo(out.nowMs);
    expect(out.log).toHaveLength(4);
    expect(out.text.split('\n').length).toBeGreaterThan(100);
    expect(out.text).toBe(host.exportTrace());
    // The page's engine selector shows the active engine and switches it.
    expect(await p.page.inputValue('#engine-select')).toBe('simulated');
    await p.page.selectOption('#engine-select', 'replay');
    await waitFor(p.page, 'the replay engine', () => window.playground.engine === 'replay', null);
    expect(await p.page.textContent('#engine-label')).toMatch(/^replay: /);
    expect(p.problems).toEqual([]);
  }, 120_000);

  it('replays a run: seek, play, refuse changes; importTrace opens a file; back to live', async () => {
    const p = await page();
    await p.page.evaluate((o) => window.playground.useEngine('simulated', o), SIM);
    await waitFor(
      p.page,
      'a leader in the simulator',
      async () => (await window.playground.status()).leaders['nacos_config'],
      null,
    );
    const out = await p.page.evaluate(async () => {
      const pg = window.playground;
      await pg.pause();
      await new Promise((r) => setTimeout(r, 300));
      const recorded = pg.trace().length;
      const text = pg.exportTrace();
      const st = (await pg.useEngine('replay', { speed: 'max' })) as { cursor: number };
      const engine = pg.engine;
      const held: unknown[] = [];
      let resets = 0;
      pg.events((batch: unknown[], reset: boolean) => {
        if (reset) {
          held.length = 0;
          resets++;
        }
        held.push(...batch);
      });
      const at = await pg.seek(Math.floor(recorded / 2));
      const back = await pg.seek({ t: 0 });
      const crash = await pg.crash('n1').catch((e: Error) => e.message);
      const write = await pg
        .write('n1', 'nacos_config', { type: 'publish', dataId: 'x', content: '1' })
        .catch((e: Error) => e.message);
      await pg.resume();
      for (let i = 0; i < 100 && pg.trace().length < recorded; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const played = pg.trace().length;
      const replayStatus = await pg.status();
      const badSeek = await pg.seek('soon').catch((e: Error) => e.message);
      const badKind = await pg.useEngine('warp').catch((e: Error) => e.message);
      const badOpt = await pg
        .useEngine('simulated', { seed: -1, turbo: true })
        .catch((e: Error) => e.message);
      const stillReplay = pg.engine;
      const imported = await pg.importTrace(text);
      const importedEngine = pg.engine;
      const live = await pg.useEngine('live', { nodes: 3, timing: 'lesson' });
      return {
        recorded,
        cursor0: st.cursor,
        engine,
        at,
        back,
        resets,
        held: held.length,
        crash,
        write,
        played,
        replayEngine: replayStatus.engine,
        badSeek,
        badKind,
        badOpt,
        stillReplay,
        imported,
        importedEngine,
        live: (live as { engine: string }).engine,
        after: pg.engine,
      };
    });
    expect(out.engine).toBe('replay');
    expect(out.cursor0).toBe(0);
    expect(out.at).toBeGreaterThan(0);
    expect(out.resets).toBeGreaterThanOrEqual(1);
    expect(out.crash).toMatch(/^replay engine: crash: a replay shows a recorded run/);
    expect(out.write).toMatch(/^replay engine: write: /);
    expect(out.played).toBe(out.recorded);
    expect(out.held).toBe(out.recorded);
    expect(out.replayEngine).toBe('replay');
    expect(out.badSeek).toMatch(/^seek: expected an event seq/);
    expect(out.badKind).toMatch(/^useEngine: kind: expected 'live' or 'simulated' or 'replay'/);
    expect(out.badOpt).toMatch(/seed: expected an integer from 0/);
    expect(out.badOpt).toMatch(/turbo/);
    expect(out.stillReplay).toBe('replay');
    expect(out.imported).toEqual({ ok: true, events: out.recorded, errors: [] });
    expect(out.importedEngine).toBe('replay');
    expect(out.live).toBe('live');
    expect(out.after).toBe('live');
    expect(p.problems).toEqual([]);
  }, 120_000);
});
