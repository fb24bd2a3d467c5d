// The live engine: the browser cluster of src/runtime (a Web Worker per node, MessageChannels
// between them, IndexedDB underneath) behind the Engine interface. It adds no behaviour of its
// own: each command is the Cluster method of the same name, each outcome a value.
// Invariant: the event stream is the cluster's merged trace, so a late subscriber first gets
// the events the cluster still holds, then every batch it merges after.
import { SeededRng } from '../raft/rand.ts';
import type { NodeId } from '../raft/types.ts';
import { groupSummaries, leaderIn, type Cluster } from '../runtime/cluster.ts';
import { RequestRefs, resolveRef } from '../runtime/scenarioRunner.ts';
import { wallNowMs } from '../runtime/clock.ts';
import type { TraceEvent, TraceHeader } from '../trace/events.ts';
import {
  errorText,
  refuse,
  type Engine,
  type EngineCommand,
  type EngineListener,
  type EngineResult,
  type EngineStatus,
} from './types.ts';

export class LiveEngine implements Engine {
  readonly kind = 'live' as const;
  private readonly rng: SeededRng;
  /** Writes and reads resolve '@leader'/'@follower' against a status at most 100 ms old. */
  private readonly requestRefs: RequestRefs;

  constructor(readonly cluster: Cluster) {
    this.rng = new SeededRng(cluster.seed ^ 0x11fe);
    this.requestRefs = new RequestRefs(cluster, wallNowMs);
  }

  header(): TraceHeader {
    const h = this.cluster.traceHeader();
    // The in-memory trace is bounded: say what it no longer holds, as an export's header does.
    const dropped = this.cluster.droppedEvents;
    return dropped === null ? h : { ...h, dropped };
  }

  nodeIds(): NodeId[] {
    return this.cluster.nodeIds();
  }

  groups(): readonly string[] {
    return this.cluster.groups;
  }

  events(): readonly TraceEvent[] {
    return this.cluster.events();
  }

  subscribe(listener: EngineListener): () => void {
    const held = this.cluster.events();
    if (held.length > 0) listener(held.slice(), true);
    return this.cluster.subscribe((batch) => listener(batch, false));
  }

  async command(cmd: EngineCommand): Promise<EngineResult> {
    try {
      return { ok: true, value: await this.run(cmd) };
    } catch (err) {
      return refuse('live', cmd.type, errorText(err));
    }
  }

  private ref(node: string): Promise<NodeId> {
    return resolveRef(this.cluster, this.rng, node);
  }

  private async run(cmd: EngineCommand): Promise<unknown> {
    const c = this.cluster;
    switch (cmd.type) {
      case 'crash': {
        const id = await this.ref(cmd.node);
        c.crash(id);
        return id;
      }
      case 'restart': {
        const id = await this.ref(cmd.node);
        await c.restart(id);
        return id;
      }
      case 'pause':
        if (cmd.node === undefined) return c.pause();
        return c.pauseNode(await this.ref(cmd.node));
      case 'resume':
        if (cmd.node === undefined) return c.resume();
        return c.resumeNode(await this.ref(cmd.node));
      case 'skew':
        return c.skew(await this.ref(cmd.node), cmd.rate);
      case 'partition':
        return c.partition(cmd.sides);
      case 'heal':
        return c.heal();
      case 'cut':
        return c.cut(cmd.from, cmd.to);
      case 'link':
        return c.link(cmd.from, cmd.to);
      case 'network':
        return c.setNetwork(cmd.change, cmd.from, cmd.to);
      case 'hold':
        return c.setHold(cmd.on);
      case 'release':
        return c.release(cmd.msgId, false);
      case 'discard':
        return c.release(cmd.msgId, true);
      case 'write':
        return c.write(await this.requestRefs.resolve(this.rng, cmd.node), cmd.group, cmd.op);
      case 'read':
        return c.read(await this.requestRefs.resolve(this.rng, cmd.node), cmd.group, cmd.query);
      case 'add-node':
        return c.addNode(cmd.node);
      case 'remove-node': {
        const id = await this.ref(cmd.node);
        await c.removeNode(id);
        return id;
      }
      case 'transfer-leader': {
        const id = await this.ref(cmd.to);
        await c.transferLeader(cmd.group, id);
        return id;
      }
      case 'snapshot':
        return c.snapshot(await this.ref(cmd.node), cmd.group);
      case 'drop-message':
        return c.tamper(cmd.to, cmd.msgId, 'drop');
      case 'duplicate-message':
        return c.tamper(cmd.to, cmd.msgId, 'duplicate');
      case 'fail-apply': {
        const id = await this.ref(cmd.node);
        await c.failApply(id, cmd.group);
        return id;
      }
      case 'speed':
        if (cmd.speed === 'max') {
          throw new Error("real workers and disks cannot run 'max'; give a number from 0.01 to 10");
        }
        return c.setSpeed(cmd.speed);
      case 'seek':
        throw new Error('a live cluster only goes forward; export its trace and replay it to seek');
      case 'reset':
        throw new Error('use playground.reset(): it replaces the cluster and its databases');
    }
  }

  async status(): Promise<EngineStatus> {
    const c = this.cluster;
    const statuses = await c.statuses();
    const nodes: EngineStatus['nodes'] = {};
    for (const info of c.nodes()) {
      const groups = groupSummaries(statuses.get(info.id));
      nodes[info.id] = { ...info, groups };
    }
    const leaders: Record<string, NodeId | null> = {};
    for (const g of c.groups) leaders[g] = leaderIn(statuses, g);
    return { engine: 'live', nowMs: c.now(), speed: c.speed, paused: c.paused, nodes, leaders };
  }

  /** The live engine stops with its cluster: the console API owns that (reset, destroy). */
  async dispose(): Promise<void> {}
}
