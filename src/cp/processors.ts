// The registry of business processors: one Raft group per processor (Nacos's multi-raft).
// A group name maps to its state machine and to the validation its requests pass before they
// are proposed, so a malformed request is refused with a clear error and never reaches the log.
import { CONFIG_GROUP, ConfigStore, validateConfigOp } from './configStore.ts';
import {
  INSTANCE_METADATA_GROUP,
  InstanceMetadataStore,
  validateInstanceMetadataOp,
  validateInstanceMetadataQuery,
} from './instanceMetadata.ts';
import {
  NAMING_PERSISTENT_GROUP,
  NamingPersistentStore,
  namingView,
  precheckPersistentOp,
  validatePersistentOp,
  validatePersistentQuery,
} from './namingPersistent.ts';
import {
  NAMING_PERSISTENT_V1_GROUP,
  NamingPersistentV1Store,
  validateV1Op,
  validateV1Query,
} from './namingPersistentV1.ts';
import {
  SERVICE_METADATA_GROUP,
  ServiceMetadataStore,
  precheckServiceMetadataOp,
  validateServiceMetadataOp,
  validateServiceMetadataQuery,
} from './serviceMetadata.ts';
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
  [NAMING_PERSISTENT_GROUP]: {
    create: () => new NamingPersistentStore(),
    validateOp: validatePersistentOp,
    validateQuery: validatePersistentQuery,
  },
  // The v1 key→datum store: no operator-layer precheck (PersistentServiceProcessor#put and
  // #remove write straight to the protocol).
  [NAMING_PERSISTENT_V1_GROUP]: {
    create: () => new NamingPersistentV1Store(),
    validateOp: validateV1Op,
    validateQuery: validateV1Query,
  },
  [SERVICE_METADATA_GROUP]: {
    create: () => new ServiceMetadataStore(),
    validateOp: validateServiceMetadataOp,
    validateQuery: validateServiceMetadataQuery,
  },
  [INSTANCE_METADATA_GROUP]: {
    create: () => new InstanceMetadataStore(),
    validateOp: validateInstanceMetadataOp,
    validateQuery: validateInstanceMetadataQuery,
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

/**
 * The checks Nacos runs on the node a client called, before it writes (its operator layer):
 * a persistent instance never goes into an ephemeral service, and a service is deleted only
 * when empty. They read this node's local state machines, as Nacos reads its node-wide
 * ServiceManager. Returns the error message, or null when the write may be proposed.
 */
export function precheckWrite(
  group: string,
  op: unknown,
  local: (group: string) => StateMachine | undefined,
): string | null {
  if (group !== NAMING_PERSISTENT_GROUP && group !== SERVICE_METADATA_GROUP) return null;
  const meta = local(SERVICE_METADATA_GROUP);
  const persistent = local(NAMING_PERSISTENT_GROUP);
  if (!(meta instanceof ServiceMetadataStore) || !(persistent instanceof NamingPersistentStore)) {
    return null; // A cluster without both naming groups has nothing to check against.
  }
  const view = namingView(meta, persistent);
  return group === NAMING_PERSISTENT_GROUP
    ? precheckPersistentOp(op, view)
    : precheckServiceMetadataOp(op, view);
}
