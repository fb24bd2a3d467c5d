// An in-memory, synchronous network of Raft instances for tests, in the style of etcd's
// raft_test.go `network`: messages are delivered at once in FIFO order, links can be cut and
// nodes isolated, and each Ready is "persisted" instantly. Test-only; not used by the product.
import { Raft, type RaftBootstrap } from './raft.ts';
import { SeededRng } from './rand.ts';
import type {
  CoreEvent,
  DroppedProposal,
  Entry,
  LeaderStart,
  Message,
  NodeId,
  RaftConfig,
  ReadState,
} from './types.ts';

function push<T>(m: Map<NodeId, T[]>, id: NodeId, items: T[]): void {
  if (items.length === 0) return;
  const list = m.get(id);
  if (list) list.push(...items);
  else m.set(id, [...items]);
}

export function testConfig(id: NodeId, overrides: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    group: 'g',
    electionTicks: 10,
    electionJitterTicks: 10,
    heartbeatTicks: 1,
    maxInflight: 256,
    maxEntriesPerMsg: 1024,
    readOnly: 'safe',
    ...overrides,
  };
}

export function newRaft(
  id: NodeId,
  voters: NodeId[],
  opts: { seed?: number; cfg?: Partial<RaftConfig>; boot?: Partial<RaftBootstrap> } = {},
): Raft {
  return new Raft(testConfig(id, opts.cfg), new SeededRng(opts.seed ?? hashId(id)), {
    hardState: { term: 0, votedFor: null, commit: 0 },
    entries: [],
    snapshot: null,
    conf: { voters, outgoing: [], learners: [] },
    ...opts.boot,
  });
}

/** Entries from a list of terms, one per entry, starting at index 1. */
export function entriesFromTerms(terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: i + 1, term, type: 'normal' as const, data: null }));
}

function hashId(id: string): number {
  let h = 7;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

export class TestNetwork {
  readonly nodes = new Map<NodeId, Raft>();
  private readonly cut = new Set<string>();
  /** Every message delivered, for assertions. */
  readonly delivered: Message[] = [];
  /** Applied entries per node. */
  readonly applied = new Map<NodeId, Entry[]>();
  /** ReadStates, core events and installed snapshot data that came out of each node's Ready. */
  readonly readStates = new Map<NodeId, ReadState[]>();
  readonly coreEvents = new Map<NodeId, CoreEvent[]>();
  readonly snapshots = new Map<NodeId, unknown[]>();
  /** Ready.leaderStart and Ready.droppedProposals of each node, in the order they came out. */
  readonly leaderStarts = new Map<NodeId, LeaderStart[]>();
  readonly dropped = new Map<NodeId, DroppedProposal[]>();
  /** Drop messages matching this predicate (e.g. to simulate loss of one type). */
  filter: ((m: Message) => boolean) | null = null;

  constructor(rafts: Raft[]) {
    for (const r of rafts) {
      this.nodes.set(r.id, r);
      this.applied.set(r.id, []);
    }
  }

  static of(ids: NodeId[], cfg: Partial<RaftConfig> = {}): TestNetwork {
    return new TestNetwork(ids.map((id) => newRaft(id, ids, { cfg })));
  }

  get(id: NodeId): Raft {
    return this.nodes.get(id)!;
  }

  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Take every node's Ready, persist instantly, apply, and return the outgoing messages. */
  private collect(): Message[] {
    const out: Message[] = [];
    for (const r of this.nodes.values()) {
      while (r.hasReady()) {
        const rd = r.ready();
        if (!this.applied.has(r.id)) this.applied.set(r.id, []);
        this.applied.get(r.id)!.push(...rd.committed);
        push(this.readStates, r.id, rd.readStates);
        push(this.coreEvents, r.id, rd.events);
        if (rd.snapshot) push(this.snapshots, r.id, [rd.snapshot.data]);
        if (rd.leaderStart) push(this.leaderStarts, r.id, [rd.leaderStart]);
        push(this.dropped, r.id, rd.droppedProposals);
        out.push(...rd.messages);
        r.advance();
      }
    }
    return out;
  }

  /** Deliver messages (and everything they cause) until the network is quiet. */
  send(...msgs: Message[]): void {
    let queue = [...msgs, ...this.collect()];
    let guard = 0;
    while (queue.length > 0) {
      if (++guard > 100000) throw new Error('TestNetwork: message storm');
      const m = queue.shift()!;
      if (this.cut.has(`${m.from}>${m.to}`)) continue;
      if (this.filter && this.filter(m)) continue;
      const to = this.nodes.get(m.to);
      if (!to) continue;
      this.delivered.push(m);
      to.step(m);
      queue = queue.concat(this.collect());
    }
  }

  /** Tick one node until it starts an election, then settle. */
  campaign(id: NodeId): void {
    this.get(id).campaign(false);
    this.send();
  }

  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const r of this.nodes.values()) r.tick();
      this.send();
    }
  }

  propose(id: NodeId, data: unknown): void {
    this.get(id).propose(data);
    this.send();
  }
}
