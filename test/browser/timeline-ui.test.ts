// The time bar as a person uses it, on the simulated engine: after a failover, jumping back to
// the first election shows the first leader and term in the cluster view while the run goes on;
// steps move one event each way; the next election shows the new leader; End returns to live.
// Acting in the past (crashing a node from the cluster view) forks the run: the new branch's
// events up to the fork point are the old branch's, identical; the branch switcher returns to
// the old branch. Bounded polls; no assertion on timing.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { playgroundSuite, waitFor } from './harness.ts';

const { page } = playgroundSuite(3);

const G = 'nacos_config';
const SIM = { seed: 5, nodes: 3, timing: 'lesson', speed: 10 } as const;

/** The leader and term the cluster view shows (from its nodes' labels), or null. */
function shownLeader(p: Page): Promise<{ id: string; term: number } | null> {
  return p.evaluate(() => {
    for (const el of document.querySelectorAll('.node-mark')) {
      const m = /^(n\d+): leader.*term (\d+)/.exec(el.getAttribute('aria-label') ?? '');
      if (m !== null) return { id: m[1], term: Number(m[2]) };
    }
    return null;
  });
}

function track(p: Page): Promise<{ seq: number; t: number; text: string }> {
  return p.evaluate(() => {
    const el = document.querySelector('#timebar-track')!;
    return {
      seq: Number(el.getAttribute('data-seq')),
      t: Number(el.getAttribute('data-t')),
      text: el.getAttribute('aria-valuetext') ?? '',
    };
  });
}

/** The active engine's events as JSON lines (what the page holds). */
function eventLines(p: Page): Promise<string[]> {
  return p.evaluate(() =>
    [...(window.playground.activeEngine?.events() ?? [])].map((e) => JSON.stringify(e)),
  );
}

describe('the time bar', () => {
  it('scrubs back, steps, jumps, returns to live, and forks a simulated run', async () => {
    const p = await page();
    const pg = p.page;
    await pg.evaluate((o) => window.playground.useEngine('simulated', o), SIM);
    const first = await waitFor(
      pg,
      'a first leader',
      async (g) => {
        const s = await window.playground.status();
        const id = s.leaders[g];
        return id ? { id, term: s.nodes[id].groups![g].term } : null;
      },
      G,
    );
    await pg.evaluate((id) => window.playground.crash(id), first.id);
    const second = await waitFor(
      pg,
      'a new leader after the crash',
      async ([g, old]) => {
        const s = await window.playground.status();
        const id = s.leaders[g];
        return id && id !== old ? { id, term: s.nodes[id].groups![g].term } : null;
      },
      [G, first.id] as const,
    );
    expect(second.term).toBeGreaterThan(first.term);
    await waitFor(
      pg,
      'the new leader in the cluster view',
      (id) => {
        const el = document.querySelector(`.node-mark[data-node="${id}"]`);
        return /: leader/.test(el?.getAttribute('aria-label') ?? '');
      },
      second.id,
    );
    expect(await pg.textContent('#timebar-live')).toContain('Live');

    // Jump back to the first election (elections are the default kind): the button, then `[`.
    await pg.click('#timebar-jump-prev');
    await pg.keyboard.press('[');
    expect(await pg.textContent('#timebar-live')).toBe('Back to live');
    expect(await shownLeader(pg)).toEqual(first);
    const atFirst = await track(pg);
    expect(atFirst.text).toMatch(/in the past/);
    // The run goes on meanwhile: the head's time grows, the view stays.
    const headBefore = await pg.textContent('#timebar-time');
    await waitFor(
      pg,
      'the head to move on while the view stays in the past',
      (before) => document.querySelector('#timebar-time')!.textContent !== before,
      headBefore,
    );
    expect((await track(pg)).seq).toBe(atFirst.seq);
    // The rest runs on a paused engine (a calmer page for a loaded machine).
    await pg.evaluate(() => window.playground.pause());
    // Nothing earlier: the cursor stays.
    await pg.keyboard.press('[');
    expect((await track(pg)).seq).toBe(atFirst.seq);

    // Steps: one event forward, one back, with the keyboard.
    await pg.keyboard.press('.');
    const stepped = await track(pg);
    expect(stepped.seq).toBeGreaterThan(atFirst.seq);
    await pg.keyboard.press(',');
    expect((await track(pg)).seq).toBe(atFirst.seq);

    // The next election: the second leader, its term.
    await pg.keyboard.press(']');
    expect(await shownLeader(pg)).toEqual(second);

    // Dragging to the left edge shows the start; End returns to live.
    const box = (await pg.locator('#timebar-track').boundingBox())!;
    await pg.mouse.move(box.x + box.width - 2, box.y + 10);
    await pg.mouse.down();
    await pg.mouse.move(box.x + box.width / 2, box.y + 10);
    await pg.mouse.move(box.x + 1, box.y + 10);
    await pg.mouse.up();
    await waitFor(
      pg,
      'the start after dragging',
      () => Number(document.querySelector('#timebar-track')!.getAttribute('data-t')) < 1000,
      null,
    );
    expect((await track(pg)).text).toMatch(/in the past/);
    // End from anywhere on the page (the track kept the focus the drag gave it).
    await pg.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await pg.keyboard.press('End');
    await waitFor(
      pg,
      'live again',
      () => document.querySelector('#timebar-live')?.textContent === '● Live',
      null,
    );

    // Fork: back to the first election, then crash a follower there from the cluster view.
    const mainEvents = await eventLines(pg);
    await pg.selectOption('#timebar-kind', 'election');
    // Keys typed into a select stay there: leave it first.
    await pg.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await pg.keyboard.press('[');
    await pg.keyboard.press('[');
    expect(await shownLeader(pg)).toEqual(first);
    const forkAt = (await track(pg)).t;
    const victim = ['n1', 'n2', 'n3'].find((n) => n !== first.id)!;
    await pg.click(`.node-mark[data-node="${victim}"]`);
    await pg.keyboard.press('c');
    await waitFor(
      pg,
      'a second branch',
      () => document.querySelectorAll('#timebar-branch option').length === 2,
      null,
    );
    const label = await pg.evaluate(() => {
      const s = document.querySelector<HTMLSelectElement>('#timebar-branch')!;
      return s.selectedOptions[0]?.textContent ?? '';
    });
    expect(label).toMatch(new RegExp(`^fork 2: crash ${victim} at `));
    expect(await pg.textContent('#timebar-live')).toContain('Live');
    // The new branch replays the old one exactly up to the fork point, then the crash.
    const forked = await waitFor(
      pg,
      'the forked branch past its fork point',
      () => {
        const ev = [...(window.playground.activeEngine?.events() ?? [])];
        return ev.some((e) => e.type === 'node-crash') ? ev.map((e) => JSON.stringify(e)) : null;
      },
      null,
    );
    const prefix = mainEvents.filter((l) => (JSON.parse(l) as { t: number }).t <= forkAt);
    expect(prefix.length).toBeGreaterThan(20);
    expect(forked.slice(0, prefix.length)).toEqual(prefix);
    expect(JSON.parse(forked[prefix.length])).toMatchObject({ type: 'node-crash', node: victim });
    // The old branch: its crash of the first leader, where it was left.
    await pg.selectOption('#timebar-branch', { index: 0 });
    await waitFor(
      pg,
      'the main branch again',
      (n) => (window.playground.activeEngine?.events().length ?? 0) >= n,
      mainEvents.length,
    );
    expect((await eventLines(pg)).slice(0, mainEvents.length)).toEqual(mainEvents);
    expect(p.problems).toEqual([]);
  }, 120_000);
});
