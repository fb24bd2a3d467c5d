// The registry of business processors: one Raft group per processor (Nacos's multi-raft).
// A group name maps to its state machine and to the validation its requests pass before they
// are proposed, so a malformed request is refused with a clear error and never reaches the log.
import { CONFIG_GROUP, ConfigStore, validateConfigOp } from './configStore.ts';
import { asRecord, InvalidRequest, type StateMachine } from './stateMachine.ts';

interface ProcessorSpec {
  create(): StateMachine;
  validateOp(op: unknown): void;
  validateQuery(q: unknown): void;
}

const PROCESSORS: Record<string, ProcessorSpec> = {
  [CONFIG_GROUP]: {
    create: () => new ConfigStore(),
    validateOp: validateConfigOp,
    validateQuery: (q) => {
      const r = asRecord(q, 'config read');
      if (r.type !== 'get') throw new InvalidRequest(`unsupport operation : ${String(r.type)}`);
      if (typeof r.dataId !== 'string' || r.dataId.length === 0) {
        throw new InvalidRequest('get: field "dataId" must be a non-empty string');
      }
    },
  },
};

export const KNOWN_GROUPS: readonly string[] = Object.keys(PROCESSORS);

function spec(group: string): ProcessorSpec {
  const s = PROCESSORS[group];
  if (!s) {
    throw new InvalidRequest(
      `No corresponding Raft Group found : ${group} (known: ${KNOWN_GROUPS.join(', ')})`,
    );
  }
  return s;
}

export function createProcessor(group: string): StateMachine {
  return spec(group).create();
}

export function validateOp(group: string, op: unknown): void {
  spec(group).validateOp(op);
}

export function validateQuery(group: string, q: unknown): void {
  spec(group).validateQuery(q);
}
