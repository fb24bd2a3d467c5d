// The names of Nacos's CP Raft groups, one per business processor. Invariant: this is the only
// place in src/ that spells a group name; every other module imports it from here, so a name
// cannot drift between the processors, the simulator, the browser host and the trace models.

/** Config items (Nacos's config module). */
export const CONFIG_GROUP = 'nacos_config';
/**
 * The first generation of persistent naming data: a key→datum store (Nacos's
 * PersistentServiceProcessor, Constants.NAMING_PERSISTENT_SERVICE_GROUP).
 */
export const NAMING_PERSISTENT_V1_GROUP = 'naming_persistent_service';
/** Persistent naming instances (Nacos's PersistentClientOperationServiceImpl). */
export const NAMING_PERSISTENT_GROUP = 'naming_persistent_service_v2';
/** Service metadata (Nacos's ServiceMetadataProcessor). */
export const SERVICE_METADATA_GROUP = 'naming_service_metadata';
/** Instance metadata (Nacos's InstanceMetadataProcessor). */
export const INSTANCE_METADATA_GROUP = 'naming_instance_metadata';

/** The group a cluster runs when none is named (the config store, the playground's default). */
export const DEFAULT_GROUPS: readonly string[] = [CONFIG_GROUP];
