// Dropping and duplicating a message in flight by hand on the simulated engine's host: the drop
// is traced at once (reason "dropped by hand") and the message never arrives; the duplicate is
// traced as a send with copyOf and arrives once more; a message no longer in flight is refused.
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../trace/events.ts';
import { SimHost, type SimEngineOptions } from './simHost.ts';

const OPTIONS: SimEngineOptions = {
  seed: 11,
  nodes: 3,
  groups: ['nacos_config'],
  timing: 'lesson',
  // Long delays, so a message is still in flight when the command runs.
  network: { delayMsMin: 200, delayMsMax: 300 },
  readOnly: 'safe',
  snapshotIntervalEntries: 0,
  speed: 1,
};

type Send = Extract<TraceEvent, { type: 'send' }>;

/** A message sent and neither received nor dropped by the host's current time. */
function inFlight(host: SimHost): Send {
  const ev = host.events();
  const done = new Set(
    ev.flatMap((e) => (e.type === 'recv' || e.type === 'drop' ? [e.msgId] : [])),
  );
  const s = ev.filter((e): e is Send => e.type === 'send' && !done.has(e.msgId)).pop();
  if (s === undefined) throw new Error('nothing in flight');
  return s;
}

describe('messages in flight, by hand', () => {
  it('drops a message before it arrives', async () => {
    const host = new SimHost(OPTIONS);
    host.advanceTo(5_000);
    const m = inFlight(host);
    const r = await host.apply({ type: 'drop-message', from: m.from, to: m.to, msgId: m.msgId });
    expect(r.ok).toBe(true);
    host.advanceTo(6_000);
    const about = host.events().filter((e) => 'msgId' in e && e.msgId === m.msgId && e.seq > m.seq);
    expect(about.map((e) => e.type)).toEqual(['drop']);
    expect(about[0]).toMatchObject({ reason: 'dropped by hand' });
    const again = await host.apply({
      type: 'drop-message',
      from: m.from,
      to: m.to,
      msgId: m.msgId,
    });
    expect(again).toMatchObject({ ok: false, error: expect.stringMatching(/not in flight/) });
  });

  it('duplicates a message: a second copy is sent and arrives', async () => {
    const host = new SimHost(OPTIONS);
    host.advanceTo(5_000);
    const m = inFlight(host);
    const r = await host.apply({
      type: 'duplicate-message',
      from: m.from,
      to: m.to,
      msgId: m.msgId,
    });
    expect(r.ok).toBe(true);
    const copyId = (r as { value: number }).value;
    host.advanceTo(6_000);
    const copy = host.events().filter((e) => 'msgId' in e && e.msgId === copyId);
    expect(copy.map((e) => e.type)).toEqual(['send', 'recv']);
    expect(copy[0]).toMatchObject({ copyOf: m.msgId, from: m.from, to: m.to });
  });
});
