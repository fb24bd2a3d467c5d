import { describe, expect, it } from 'vitest';
import type { RequestView } from '../../state/model.ts';
import { requestPath } from './requestPath.ts';

const base: RequestView = {
  id: 'r1',
  group: 'g',
  node: 'n2',
  kind: 'write',
  label: 'publish a',
  invokedAt: 0,
  stages: [],
  outcome: 'pending',
  entry: null,
  client: false,
};

describe('a request path', () => {
  it('follows a forwarded write to the leader and its applies', () => {
    const p = requestPath({
      ...base,
      stages: [
        { stage: 'invoke', t: 0, node: 'n2' },
        { stage: 'forward', t: 1, node: 'n2' },
        { stage: 'forward-recv', t: 2, node: 'n1' },
        { stage: 'propose', t: 2, node: 'n1', index: 5 },
        { stage: 'apply', t: 5, node: 'n1', index: 5 },
        { stage: 'apply', t: 6, node: 'n3', index: 5 },
        { stage: 'apply', t: 6, node: 'n3', index: 5 },
      ],
    });
    expect(p).toMatchObject({ origin: 'n2', leader: 'n1', forwarded: true });
    expect(p.appliedOn).toEqual(['n1', 'n3']);
  });

  it('has no leader before any node took the request', () => {
    const p = requestPath({ ...base, stages: [{ stage: 'invoke', t: 0, node: 'n2' }] });
    expect(p).toMatchObject({ origin: 'n2', leader: null, forwarded: false, appliedOn: [] });
  });
});
