// The client panel's catalogue: every operation a person can send to each Nacos CP group (the
// writes and reads src/cp's processors accept), the form fields each one has with sensible
// defaults, and the pure step from filled-in fields to an engine command. The load generator
// reuses the same step with the operation's key varied per request.
// Invariants: pure; buildRequest either returns a command whose payload the group's validation
// (src/cp/processors.ts) accepts for well-formed field values, or an error naming the field; a
// blank optional field is left out of the payload, never sent as ''.
import type { EngineCommand } from '../../engine/types.ts';
import {
  CONFIG_GROUP,
  INSTANCE_METADATA_GROUP,
  NAMING_PERSISTENT_GROUP,
  NAMING_PERSISTENT_V1_GROUP,
  SERVICE_METADATA_GROUP,
  createDatum,
  instanceListKey,
  serviceMetaKey,
} from '../../state/vocabulary.ts';

export type FieldKind = 'text' | 'number' | 'boolean' | 'pairs';

export interface FieldSpec {
  /** Where the value goes in the payload: "dataId", or "instance.port" for a nested field. */
  path: string;
  label: string;
  kind: FieldKind;
  /** The default, as the form's text ('true'/'false' for booleans). */
  initial: string;
  /** A blank value is left out of the payload (the processor's default applies). */
  optional?: boolean;
  /** The field the load generator varies per request ("key-0", "key-1", ...). */
  key?: boolean;
  /** The field the load generator numbers per request ("v1-17"). */
  value?: boolean;
  /** What the field means, shown as the field's tooltip. */
  help?: string;
}

export interface OperationSpec {
  /** Unique within its group. */
  id: string;
  label: string;
  kind: 'write' | 'read';
  /** The payload's `type`. */
  type: string;
  fields: readonly FieldSpec[];
  /**
   * For a group whose requests are not the fields laid out flat: the payload made from the
   * fields' record (with `type`), e.g. a batch of one key. Pure.
   */
  shape?: (fields: Record<string, unknown>) => Record<string, unknown>;
}

const serviceFields = (service: string): FieldSpec[] => [
  { path: 'service', label: 'service', kind: 'text', initial: service, key: true },
  { path: 'group', label: 'group', kind: 'text', initial: 'DEFAULT_GROUP' },
  { path: 'namespace', label: 'namespace', kind: 'text', initial: 'public' },
];

const instanceFields: FieldSpec[] = [
  ...serviceFields('orders'),
  { path: 'instance.ip', label: 'ip', kind: 'text', initial: '10.0.0.1' },
  { path: 'instance.port', label: 'port', kind: 'number', initial: '8080' },
  { path: 'instance.clusterName', label: 'cluster', kind: 'text', initial: 'DEFAULT' },
  { path: 'instance.weight', label: 'weight', kind: 'number', initial: '1', value: true },
  { path: 'instance.healthy', label: 'healthy', kind: 'boolean', initial: 'true' },
  { path: 'instance.enabled', label: 'enabled', kind: 'boolean', initial: 'true' },
  { path: 'instance.metadata', label: 'metadata', kind: 'pairs', initial: '', optional: true },
];

const serviceMetadataFields: FieldSpec[] = [
  ...serviceFields('orders'),
  // A persistent instance may only join a service that is not ephemeral (Nacos's precheck).
  { path: 'metadata.ephemeral', label: 'ephemeral', kind: 'boolean', initial: 'false' },
  {
    path: 'metadata.protectThreshold',
    label: 'protect threshold',
    kind: 'number',
    initial: '0',
  },
  {
    path: 'metadata.extendData',
    label: 'extend data',
    kind: 'pairs',
    initial: 'owner=team-a',
    optional: true,
    value: true,
  },
];

const instanceMetadataFields: FieldSpec[] = [
  ...serviceFields('orders'),
  { path: 'metadataId', label: 'metadata id', kind: 'text', initial: '10.0.0.1:8080:DEFAULT' },
  { path: 'metadata.weight', label: 'weight', kind: 'number', initial: '2', value: true },
  { path: 'metadata.enabled', label: 'enabled', kind: 'boolean', initial: 'true' },
];

// The v1 store (`naming_persistent_service`) takes batches of keys and datums; its forms write
// one key, as PersistentServiceProcessor#put does, with the records Nacos 1.x kept there.
const datumKeyField: FieldSpec = {
  path: 'key',
  label: 'key',
  kind: 'text',
  initial: serviceMetaKey('public', 'DEFAULT_GROUP@@orders'),
  key: true,
};

/** The service's grouped name and namespace, as KeyBuilder keys them. */
function v1Service(f: Record<string, unknown>): { name: string; namespace: string } {
  return { name: `${String(f.group)}@@${String(f.service)}`, namespace: String(f.namespace) };
}

/** One key written with its datum: a BatchWriteRequest of one entry. */
function writeOne(key: string, record: unknown): Record<string, unknown> {
  return { type: 'Write', keys: [key], values: [createDatum(key, record)] };
}

const configKey: FieldSpec[] = [
  { path: 'dataId', label: 'dataId', kind: 'text', initial: 'app.yaml', key: true },
  { path: 'group', label: 'group', kind: 'text', initial: 'DEFAULT_GROUP' },
  { path: 'tenant', label: 'tenant', kind: 'text', initial: '', optional: true },
];

/** The tooltip of the publish form's cas md5 (Nacos 2.2.4's insertOrUpdateCas). */
export const CAS_MD5_HELP =
  'CAS publish (Nacos 2.2.4): blank = a plain publish. Otherwise an absent item is inserted ' +
  'whatever md5 is given; a present one is updated only if its md5 equals it, else the ' +
  'publish fails: "Cas publish fail,server md5 may have changed."';

/** The operations of each group, the most common first. */
export const OPERATIONS: Readonly<Record<string, readonly OperationSpec[]>> = {
  [CONFIG_GROUP]: [
    {
      id: 'publish',
      label: 'publish config',
      kind: 'write',
      type: 'publish',
      fields: [
        ...configKey,
        { path: 'content', label: 'content', kind: 'text', initial: 'v1', value: true },
        {
          path: 'casMd5',
          label: 'cas md5',
          kind: 'text',
          initial: '',
          optional: true,
          help: CAS_MD5_HELP,
        },
      ],
    },
    { id: 'remove', label: 'remove config', kind: 'write', type: 'remove', fields: configKey },
    { id: 'get', label: 'get config (read)', kind: 'read', type: 'get', fields: configKey },
  ],
  [NAMING_PERSISTENT_GROUP]: [
    {
      id: 'register',
      label: 'register instance',
      kind: 'write',
      type: 'ADD',
      fields: instanceFields,
    },
    {
      id: 'update',
      label: 'update instance',
      kind: 'write',
      type: 'CHANGE',
      fields: instanceFields,
    },
    {
      id: 'deregister',
      label: 'deregister instance',
      kind: 'write',
      type: 'DELETE',
      fields: instanceFields,
    },
    {
      id: 'instances',
      label: 'list instances (read)',
      kind: 'read',
      type: 'instances',
      fields: serviceFields('orders'),
    },
    {
      id: 'services',
      label: 'list services (read)',
      kind: 'read',
      type: 'services',
      fields: [{ path: 'namespace', label: 'namespace', kind: 'text', initial: 'public' }],
    },
  ],
  [NAMING_PERSISTENT_V1_GROUP]: [
    {
      id: 'put-iplist',
      label: 'write instance list',
      kind: 'write',
      type: 'Write',
      fields: [
        ...serviceFields('orders'),
        { path: 'ip', label: 'ip', kind: 'text', initial: '10.0.0.1' },
        { path: 'port', label: 'port', kind: 'number', initial: '8080' },
        { path: 'weight', label: 'weight', kind: 'number', initial: '1', value: true },
      ],
      // Nacos 1.x's Instances record: the service's persistent instances.
      shape: (f) => {
        const { name, namespace } = v1Service(f);
        const instance = {
          ip: f.ip,
          port: f.port,
          weight: f.weight,
          healthy: true,
          enabled: true,
          ephemeral: false,
          clusterName: 'DEFAULT',
          serviceName: name,
        };
        return writeOne(instanceListKey(namespace, name), { instanceList: [instance] });
      },
    },
    {
      id: 'put-meta',
      label: 'write service metadata',
      kind: 'write',
      type: 'Write',
      fields: [
        ...serviceFields('orders'),
        {
          path: 'protectThreshold',
          label: 'protect threshold',
          kind: 'number',
          initial: '0',
        },
        {
          path: 'metadata',
          label: 'metadata',
          kind: 'pairs',
          initial: 'owner=team-a',
          optional: true,
          value: true,
        },
      ],
      // Nacos 1.x's Service record (its metadata; the instances live under the iplist key).
      shape: (f) => {
        const { name, namespace } = v1Service(f);
        return writeOne(serviceMetaKey(namespace, name), {
          name,
          groupName: f.group,
          namespaceId: namespace,
          protectThreshold: f.protectThreshold,
          metadata: f.metadata ?? {},
        });
      },
    },
    {
      id: 'remove',
      label: 'remove key',
      kind: 'write',
      type: 'Delete',
      fields: [datumKeyField],
      shape: (f) => ({ type: 'Delete', keys: [f.key] }),
    },
    {
      id: 'get',
      label: 'get key (read)',
      kind: 'read',
      type: 'get',
      fields: [datumKeyField],
      shape: (f) => ({ type: 'get', keys: [f.key] }),
    },
  ],
  [SERVICE_METADATA_GROUP]: [
    {
      id: 'add',
      label: 'create service',
      kind: 'write',
      type: 'ADD',
      fields: serviceMetadataFields,
    },
    {
      id: 'change',
      label: 'update service',
      kind: 'write',
      type: 'CHANGE',
      fields: serviceMetadataFields,
    },
    {
      id: 'delete',
      label: 'delete service',
      kind: 'write',
      type: 'DELETE',
      fields: serviceFields('orders'),
    },
    {
      id: 'get',
      label: 'get service (read)',
      kind: 'read',
      type: 'get',
      fields: serviceFields('orders'),
    },
    {
      id: 'services',
      label: 'list services (read)',
      kind: 'read',
      type: 'services',
      fields: [{ path: 'namespace', label: 'namespace', kind: 'text', initial: 'public' }],
    },
  ],
  [INSTANCE_METADATA_GROUP]: [
    {
      id: 'add',
      label: 'set instance metadata',
      kind: 'write',
      type: 'ADD',
      fields: instanceMetadataFields,
    },
    {
      id: 'change',
      label: 'update instance metadata',
      kind: 'write',
      type: 'CHANGE',
      fields: instanceMetadataFields,
    },
    {
      id: 'delete',
      label: 'delete instance metadata',
      kind: 'write',
      type: 'DELETE',
      fields: instanceMetadataFields.slice(0, 4),
    },
    {
      id: 'get',
      label: 'get instance metadata (read)',
      kind: 'read',
      type: 'get',
      fields: instanceMetadataFields.slice(0, 4),
    },
  ],
};

/** The operations of a group ([] for a group the playground has no processor for). */
export function operationsOf(group: string): readonly OperationSpec[] {
  return OPERATIONS[group] ?? [];
}

/** The form's starting values for an operation. */
export function initialValues(op: OperationSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of op.fields) out[f.path] = f.initial;
  return out;
}

/** "k=v, k2=v2" → { k: 'v', k2: 'v2' }, or an error naming the bad pair. */
export function parsePairs(text: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq <= 0) return `"${p}" is not key=value`;
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string, v: unknown): void {
  const parts = path.split('.');
  let o = target;
  for (const p of parts.slice(0, -1)) {
    o[p] ??= {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1]] = v;
}

/** How the load generator varies request i: the key field suffixed, the value numbered. */
export interface Variation {
  index: number;
  /** How many distinct keys to spread over (1: always the same key). */
  keys: number;
}

/**
 * The engine command for an operation with the form's values, sent to `node` (an id or a
 * reference such as "@follower:nacos_config"); or an error naming the field that is wrong.
 */
export function buildRequest(
  group: string,
  op: OperationSpec,
  values: Readonly<Record<string, string>>,
  node: string,
  vary?: Variation,
): { ok: true; command: EngineCommand } | { ok: false; error: string } {
  const payload: Record<string, unknown> = { type: op.type };
  for (const f of op.fields) {
    let raw = (values[f.path] ?? f.initial).trim();
    if (vary !== undefined && f.key === true && vary.keys > 1)
      raw = `${raw}-${vary.index % vary.keys}`;
    if (raw === '' && f.optional === true) continue;
    let v: unknown;
    switch (f.kind) {
      case 'text':
        if (vary !== undefined && f.value === true) raw = `${raw}-${vary.index}`;
        if (raw === '') return { ok: false, error: `${f.label}: must not be empty` };
        v = raw;
        break;
      case 'number': {
        const n = Number(raw);
        if (raw === '' || !Number.isFinite(n)) {
          return { ok: false, error: `${f.label}: "${raw}" is not a number` };
        }
        v = n;
        break;
      }
      case 'boolean':
        if (raw !== 'true' && raw !== 'false') {
          return { ok: false, error: `${f.label}: must be true or false` };
        }
        v = raw === 'true';
        break;
      case 'pairs': {
        const pairs = parsePairs(raw);
        if (typeof pairs === 'string') return { ok: false, error: `${f.label}: ${pairs}` };
        if (vary !== undefined && f.value === true) pairs.seq = String(vary.index);
        v = pairs;
        break;
      }
    }
    setPath(payload, f.path, v);
  }
  const body = op.shape === undefined ? payload : op.shape(payload);
  const command: EngineCommand =
    op.kind === 'write'
      ? { type: 'write', node, group, op: body }
      : { type: 'read', node, group, query: body };
  return { ok: true, command };
}

/** The node choices of the form: references first (resolved when the command runs), then ids. */
export function nodeChoices(
  group: string,
  nodes: readonly string[],
): { value: string; label: string }[] {
  return [
    { value: `@follower:${group}`, label: 'a follower' },
    { value: `@leader:${group}`, label: 'the leader' },
    ...nodes.map((n) => ({ value: n, label: n })),
  ];
}
