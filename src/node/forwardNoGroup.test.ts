// Row 7 of docs/NACOS-DIFFERENCES.md ("Nacos layer"): a Forward (write or read) that reaches a
// node without the group is answered with AbstractProcessor#handleRequest's text under nacos,
// and with JRaftServer's "No corresponding Raft Group found" under textbook.
import { describe, expect, it } from 'vitest';
import { emptyDurableState } from './storage.ts';
import { LESSON_TIMING, RaftNode } from './node.ts';
import type { ClientReply, WireMessage } from './types.ts';

const RUN = 'nacos_config';
const MISSING = 'naming_persistent_service_v2';

function answerTo(fidelity: 'nacos' | 'textbook', kind: 'write' | 'read'): ClientReply[] {
  const node = new RaftNode(
    {
      id: 'n1',
      members: ['n1', 'n2', 'n3'],
      groups: [RUN],
      timing: LESSON_TIMING,
      seed: 7,
      fidelity,
    },
    emptyDurableState([RUN]),
  );
  node.start();
  const forward: WireMessage = {
    type: 'Forward',
    group: MISSING,
    from: 'n2',
    to: 'n1',
    term: 1,
    requestId: 'c1',
    kind,
    payload:
      kind === 'write'
        ? {
            type: 'ADD',
            namespace: 'public',
            group: 'DEFAULT_GROUP',
            service: 's',
            ip: '1.1.1.1',
            port: 80,
          }
        : { type: 'list', namespace: 'public', group: 'DEFAULT_GROUP', service: 's' },
  };
  const out: ClientReply[] = [];
  for (const e of node.receive(forward))
    if (e.type === 'send' && e.msg.type === 'ForwardResponse' && e.msg.requestId === 'c1')
      out.push(e.msg.reply);
  return out;
}

describe('a Forward for a group the receiver does not run (row 7)', () => {
  for (const kind of ['write', 'read'] as const) {
    it(`${kind}: nacos answers AbstractProcessor's text with code 500`, () => {
      expect(answerTo('nacos', kind)).toEqual([
        { ok: false, error: `Could not find the corresponding Raft Group : ${MISSING}`, code: 500 },
      ]);
    });
    it(`${kind}: textbook answers JRaftServer's "No corresponding Raft Group found"`, () => {
      const r = answerTo('textbook', kind);
      expect(r).toHaveLength(1);
      expect(r[0]).toMatchObject({
        ok: false,
        error: `No corresponding Raft Group found : ${MISSING}`,
      });
    });
  }
});
