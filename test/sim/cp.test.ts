// The Nacos CP layer end to end in the simulator: write and read paths, forwarding, exact error
// messages, the read fallback through the log, CAS conflicts, a processor that throws, and
// Nacos's CPInstancesAPI_ITCase#registerInstance_ephemeral_false on a 3-node cluster.
import { describe, expect, it } from 'vitest';
import { Simulator, type ClientHandle } from '../../src/sim/cluster.ts';
import { TraceRecorder } from '../../src/trace/recorder.ts';
import { LESSON_TIMING } from '../../src/node/node.ts';
import type { GroupId, NodeId } from '../../src/raft/types.ts';

const CONFIG = 'nacos_config';
const PERSISTENT = 'naming_persistent_service_v2';
const SERVICE_META = 'naming_service_metadata';
const INSTANCE_META = 'naming_instance_metadata';
const ALL_GROUPS = [CONFIG, PERSISTENT, SERVICE_META, INSTANCE_META];

const recorders = new WeakMap<Simulator, TraceRecorder>();

/** Every trace event the simulator recorded so far. */
function events(sim: Simulator) {
  return recorders.get(sim)!.events();
}

function cluster(seed: number, groups: GroupId[] = [CONFIG], nodes = 3): Simulator {
  const trace = new TraceRecorder();
  const sim = new Simulator({
    seed,
    nodes: Array.from({ length: nodes }, (_, i) => `n${i + 1}`),
    groups,
    timing: LESSON_TIMING,
    network: { delayMsMin: 1, delayMsMax: 5 },
    trace,
    // Written against textbook routing and error shapes; nacosFidelity.test.ts covers nacos's.
    fidelity: 'textbook',
  });
  recorders.set(sim, trace);
  sim.start();
  return sim;
}

function awaitLeaders(sim: Simulator, groups: GroupId[]): void {
  const ok = sim.runUntilTrue(() => groups.every((g) => sim.leaderOf(g) !== null), 30_000);
  expect(ok, 'every group elects a leader').toBe(true);
  // Let each new leader commit its first entry.
  sim.runFor(500);
}

function settle(sim: Simulator, h: ClientHandle): ClientHandle {
  sim.runUntilTrue(() => h.outcome !== 'pending', sim.nowMs + 20_000);
  return h;
}

function follower(sim: Simulator, g: GroupId): NodeId {
  const f = sim.followersOf(g)[0];
  expect(f).toBeDefined();
  return f;
}

const publish = (dataId: string, content: string, casMd5?: string) => ({
  type: 'publish',
  dataId,
  group: 'DEFAULT_GROUP',
  content,
  ...(casMd5 === undefined ? {} : { casMd5 }),
});
const get = (dataId: string) => ({ type: 'get', dataId, group: 'DEFAULT_GROUP' });

describe('write path', () => {
  it('a write at the leader is applied on every node and answered after apply', () => {
    const sim = cluster(1);
    awaitLeaders(sim, [CONFIG]);
    const leader = sim.leaderOf(CONFIG)!;
    const h = settle(sim, sim.write(leader, CONFIG, publish('a', 'v1')));
    expect(h.outcome).toBe('ok');
    expect(h.reply).toEqual({ ok: true, value: { success: true, data: expect.any(String) } });
    sim.runFor(1000);
    for (const id of sim.nodeIds) {
      const state = sim.node(id)!.appliedState(CONFIG) as { dataId: string; content: string }[];
      expect(state.map((i) => [i.dataId, i.content])).toEqual([['a', 'v1']]);
    }
  });

  it('a write at a follower is forwarded to the leader, committed, and the answer relayed', () => {
    const sim = cluster(2);
    awaitLeaders(sim, [CONFIG]);
    const f = follower(sim, CONFIG);
    const h = settle(sim, sim.write(f, CONFIG, publish('b', 'v1')));
    expect(h.outcome).toBe('ok');
    const trace = events(sim);
    const forwards = trace.filter((e) => e.type === 'forward').map((e) => [e.node, e.stage]);
    expect(forwards).toEqual([
      [f, 'send'],
      [sim.leaderOf(CONFIG), 'recv'],
      [f, 'reply'],
    ]);
  });

  it('a duplicated Forward is proposed once', () => {
    const sim = cluster(3);
    awaitLeaders(sim, [CONFIG]);
    sim.setNetwork({ duplicateRatio: 1 });
    const f = follower(sim, CONFIG);
    const before = sim.status(f, CONFIG)!.lastIndex;
    expect(settle(sim, sim.write(f, CONFIG, publish('d', 'once'))).outcome).toBe('ok');
    sim.runFor(1000);
    const applies = events(sim).filter(
      (e) => e.type === 'apply' && e.node === f && e.index > before,
    );
    expect(applies).toHaveLength(1);
  });

  it('errors: unknown group, no leader, receiver not leader, malformed request', () => {
    const sim = cluster(4);
    // Before any election nobody knows a leader.
    const early = settle(sim, sim.write('n1', CONFIG, publish('x', 'v')));
    expect(early.reply).toEqual({
      ok: false,
      error: 'The Raft Group [nacos_config] did not find the Leader node',
    });
    awaitLeaders(sim, [CONFIG]);
    const unknown = settle(sim, sim.write('n1', 'no_such_group', publish('x', 'v')));
    expect(unknown.reply).toEqual({
      ok: false,
      error: 'No corresponding Raft Group found : no_such_group',
    });
    const badOp = settle(sim, sim.write('n1', CONFIG, { type: 'rename', dataId: 'x' }));
    expect(badOp.reply).toEqual({ ok: false, error: 'unsupport operation : rename' });
    const noContent = settle(sim, sim.write('n1', CONFIG, { type: 'publish', dataId: 'x' }));
    expect(noContent.reply).toEqual({
      ok: false,
      error: 'publish: field "content" must be a string',
    });
    // A Forward that reaches a node which is not the leader is refused, never forwarded again.
    const f = follower(sim, CONFIG);
    const other = sim.nodeIds.find((id) => id !== f && id !== sim.leaderOf(CONFIG))!;
    const effects = sim.node(other)!.receive({
      type: 'Forward',
      group: CONFIG,
      from: f,
      to: other,
      term: 0,
      requestId: 'manual-1',
      kind: 'write',
      payload: publish('x', 'v'),
    });
    const replies = effects.filter((e) => e.type === 'send' && e.msg.type === 'ForwardResponse');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({
      msg: { reply: { ok: false, error: 'Could not find leader : nacos_config' } },
    });
    expect(effects.some((e) => e.type === 'send' && e.msg.type === 'Forward')).toBe(false);
  });

  it('CAS publish: applies when the md5 matches; a conflict answers success=false at the leader and an error when forwarded', () => {
    const sim = cluster(5);
    awaitLeaders(sim, [CONFIG]);
    const leader = sim.leaderOf(CONFIG)!;
    const first = settle(sim, sim.write(leader, CONFIG, publish('cas', 'v1')));
    const md5 = (first.reply as { value: { data: string } }).value.data;
    const ok = settle(sim, sim.write(leader, CONFIG, publish('cas', 'v2', md5)));
    expect(ok.reply).toMatchObject({ ok: true, value: { success: true } });
    const stale = settle(sim, sim.write(leader, CONFIG, publish('cas', 'v3', md5)));
    expect(stale.reply).toEqual({
      ok: true,
      value: { success: false, errMsg: 'Cas publish fail,server md5 may have changed.' },
    });
    const viaFollower = settle(
      sim,
      sim.write(follower(sim, CONFIG), CONFIG, publish('cas', 'v4', md5)),
    );
    expect(viaFollower.reply).toEqual({
      ok: false,
      error: 'Cas publish fail,server md5 may have changed.',
    });
    const read = settle(sim, sim.read(leader, CONFIG, get('cas')));
    expect(read.reply).toMatchObject({ ok: true, value: { data: { content: 'v2' } } });
  });
});

describe('read path', () => {
  it('ReadIndex serves at a follower what the leader had committed', () => {
    const sim = cluster(6);
    awaitLeaders(sim, [CONFIG]);
    const leader = sim.leaderOf(CONFIG)!;
    settle(sim, sim.write(leader, CONFIG, publish('r', 'v1')));
    const h = settle(sim, sim.read(follower(sim, CONFIG), CONFIG, get('r')));
    expect(h.reply).toEqual({
      ok: true,
      value: { success: true, data: { found: true, content: 'v1', md5: expect.any(String) } },
    });
  });

  it('falls back to a read through the log when ReadIndex fails, executed by the leader only', () => {
    const sim = cluster(7);
    sim.runUntilTrue(() => sim.leaderOf(CONFIG) !== null, 30_000);
    const leader = sim.leaderOf(CONFIG)!;
    // Hold back the acknowledgements of the new leader's first entry: ReadIndex must refuse.
    for (const id of sim.nodeIds) if (id !== leader) sim.cut(id, leader);
    const before = sim.node(leader)!.metrics.readIndexFailures;
    const h = sim.read(leader, CONFIG, get('nothing'));
    sim.runFor(200);
    expect(h.outcome).toBe('pending');
    expect(sim.node(leader)!.metrics.readIndexFailures).toBe(before + 1);
    for (const id of sim.nodeIds) if (id !== leader) sim.link(id, leader);
    settle(sim, h);
    expect(h.reply).toEqual({ ok: true, value: { success: true, data: { found: false } } });
    expect(sim.node(leader)!.metrics.leaderReads).toBe(1);
    // The read went through the log: a read entry exists on every node, applied by none but
    // the leader (no `apply` trace event for it anywhere).
    sim.runFor(1000);
    const readEntries = sim.nodeIds.map((id) => {
      const log = sim.node(id)!.log(CONFIG);
      let n = 0;
      for (let i = log.firstIndex; i <= log.lastIndex; i++) {
        const d = log.entry(i)?.data as { kind?: string } | undefined;
        if (d?.kind === 'read') n++;
      }
      return n;
    });
    expect(readEntries).toEqual([1, 1, 1]);
  });

  it('read errors: unknown group and malformed query', () => {
    const sim = cluster(8);
    awaitLeaders(sim, [CONFIG]);
    expect(settle(sim, sim.read('n1', 'nope', get('x'))).reply).toEqual({
      ok: false,
      error: 'No corresponding Raft Group found : nope',
    });
    expect(settle(sim, sim.read('n1', CONFIG, { type: 'scan' })).reply).toEqual({
      ok: false,
      error: 'unsupport operation : scan',
    });
  });
});

describe('state-machine error', () => {
  it('a processor that throws puts its group into ERROR on that node; other groups keep working', () => {
    const sim = cluster(9, [CONFIG, PERSISTENT]);
    awaitLeaders(sim, [CONFIG, PERSISTENT]);
    const victim = follower(sim, CONFIG);
    sim.failApply(victim, CONFIG);
    const leader = sim.leaderOf(CONFIG)!;
    expect(settle(sim, sim.write(leader, CONFIG, publish('e', 'v'))).outcome).toBe('ok');
    sim.runFor(1000);
    const st = sim.status(victim, CONFIG)!;
    expect(st.errored).toBe(true);
    expect(st.role).toBe('follower');
    const meta = events(sim)
      .filter((e) => e.type === 'metadata' && e.node === victim && e.group === CONFIG)
      .at(-1);
    expect(meta).toMatchObject({ errMsg: expect.stringMatching(/injected state machine failure/) });
    expect(settle(sim, sim.write(victim, CONFIG, publish('e', 'w'))).reply).toEqual({
      ok: false,
      error: 'Is not leader.',
    });
    expect(settle(sim, sim.read(victim, CONFIG, get('e'))).reply).toEqual({
      ok: false,
      error: 'Invalid state for readIndex: STATE_ERROR.',
    });
    // The other group on the same node is unaffected.
    const reg = settle(
      sim,
      sim.write(victim, PERSISTENT, {
        type: 'ADD',
        service: 'svc',
        instance: { ip: '10.0.0.1', port: 80 },
      }),
    );
    expect(reg.outcome).toBe('ok');
    // And the group keeps serving on the other nodes.
    expect(settle(sim, sim.write(leader, CONFIG, publish('e', 'x'))).outcome).toBe('ok');
    // Only a restart recovers the node.
    sim.crash(victim);
    sim.restart(victim);
    sim.runFor(3000);
    expect(sim.status(victim, CONFIG)!.errored).toBe(false);
    expect(sim.status(victim, CONFIG)!.applied).toBe(sim.status(leader, CONFIG)!.applied);
  });
});

describe('Nacos CPInstancesAPI_ITCase#registerInstance_ephemeral_false', () => {
  it('create a persistent service, register through a follower, see it everywhere, deregister, delete', () => {
    const sim = cluster(10, ALL_GROUPS);
    awaitLeaders(sim, ALL_GROUPS);
    const service = { namespace: 'ns1', group: 'TEST_GROUP_1', service: 'nacos.test.cp' };
    const instance = { ip: '11.11.11.11', port: 80, clusterName: 'c1' };
    const at = (g: GroupId) => follower(sim, g);

    // namingServiceCreate: the service metadata with ephemeral=false, protectThreshold 0.3.
    const created = settle(
      sim,
      sim.write(at(SERVICE_META), SERVICE_META, {
        type: 'CHANGE',
        ...service,
        metadata: { ephemeral: false, protectThreshold: 0.3 },
      }),
    );
    expect(created.outcome).toBe('ok');
    sim.runFor(500);

    // registerInstance(ephemeral=false) through a follower of the persistent group.
    const reg = settle(
      sim,
      sim.write(at(PERSISTENT), PERSISTENT, { type: 'ADD', ...service, instance }),
    );
    expect(reg.outcome).toBe('ok');
    sim.runFor(1000);

    // Visible on every node.
    for (const id of sim.nodeIds) {
      const list = settle(sim, sim.read(id, PERSISTENT, { type: 'instances', ...service }));
      expect(list.reply).toMatchObject({
        ok: true,
        value: { data: [{ ip: '11.11.11.11', port: 80, clusterName: 'c1', ephemeral: false }] },
      });
    }

    // Deleting the service while it has instances is refused, on any node.
    for (const id of sim.nodeIds) {
      sim.runFor(500); // each node must have applied the registration to see it
      const refused = settle(sim, sim.write(id, SERVICE_META, { type: 'DELETE', ...service }));
      expect(refused.reply).toEqual({
        ok: false,
        error:
          "Service TEST_GROUP_1@@nacos.test.cp is not empty, can't be delete. Please unregister instance first",
      });
    }

    // deregisterInstance, then namingServiceDelete.
    const dereg = settle(
      sim,
      sim.write(at(PERSISTENT), PERSISTENT, { type: 'DELETE', ...service, instance }),
    );
    expect(dereg.outcome).toBe('ok');
    sim.runFor(1000);
    const del = settle(
      sim,
      sim.write(at(SERVICE_META), SERVICE_META, { type: 'DELETE', ...service }),
    );
    expect(del.outcome).toBe('ok');
    sim.runFor(1000);
    for (const id of sim.nodeIds) {
      const list = settle(sim, sim.read(id, PERSISTENT, { type: 'instances', ...service }));
      expect(list.reply).toMatchObject({ ok: true, value: { data: [] } });
      const meta = settle(sim, sim.read(id, SERVICE_META, { type: 'get', ...service }));
      expect(meta.reply).toMatchObject({ ok: true, value: { data: { found: false } } });
    }
  });

  it('registering a persistent instance into an ephemeral service is refused', () => {
    const sim = cluster(11, ALL_GROUPS);
    awaitLeaders(sim, ALL_GROUPS);
    const service = { service: 'eph' };
    const leader = sim.leaderOf(SERVICE_META)!;
    expect(
      settle(
        sim,
        sim.write(leader, SERVICE_META, {
          type: 'CHANGE',
          ...service,
          metadata: { ephemeral: true },
        }),
      ).outcome,
    ).toBe('ok');
    sim.runFor(1000);
    const reg = settle(
      sim,
      sim.write(sim.leaderOf(PERSISTENT)!, PERSISTENT, {
        type: 'ADD',
        ...service,
        instance: { ip: '1.2.3.4', port: 8848 },
      }),
    );
    expect(reg.reply).toEqual({
      ok: false,
      error:
        "Current service DEFAULT_GROUP@@eph is ephemeral service, can't register persistent instance.",
    });
    // An operation onApply does not handle: committed, then refused by the state machine
    // (PersistentClientOperationServiceImpl#onApply's default branch).
    const odd = settle(
      sim,
      sim.write(sim.leaderOf(PERSISTENT)!, PERSISTENT, {
        type: 'VERIFY',
        ...service,
        instance: { ip: '1.2.3.4', port: 8848 },
      }),
    );
    expect(odd.reply).toMatchObject({
      ok: true,
      value: { success: false, errMsg: 'unsupport operation : VERIFY' },
    });
    void INSTANCE_META;
  });
});
