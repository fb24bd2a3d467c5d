// The words of Nacos's CP groups the views need, given to them by the state layer: the group
// names, the key formats and datum shape of the v1 naming group, and the error texts and
// timeouts a request's outcome is explained by. Views import these from here, never from
// src/cp or src/node, so the state model stays the one door between views and the engines
// (live, simulated and replay look the same). Invariant: re-exports only; the words are
// spelled once, in src/cp and src/node/constants.ts.
export {
  CONFIG_GROUP,
  INSTANCE_METADATA_GROUP,
  NAMING_PERSISTENT_GROUP,
  NAMING_PERSISTENT_V1_GROUP,
  SERVICE_METADATA_GROUP,
} from '../cp/groups.ts';
export {
  INSTANCE_LIST_KEY_PREFIX,
  SERVICE_META_KEY_PREFIX,
  createDatum,
  instanceListKey,
  serviceMetaKey,
} from '../cp/namingPersistentV1.ts';
export {
  ERR_OPERATION_FAILURE,
  ERR_TIMEOUT_EXCEPTION,
  READ_TIMEOUT_MS,
  RPC_REQUEST_TIMEOUT_MS,
  WRITE_TIMEOUT_MS,
  errInvokeTimeout,
} from '../node/constants.ts';
