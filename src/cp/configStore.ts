// The `nacos_config` processor: config items keyed by (dataId, group, tenant), each with its
// content and md5. Publish, CAS publish (applies only when the stored md5 matches), remove;
// get returns content and md5 or not-found. Deterministic: the same log gives the same store.
import { md5 } from 'js-md5';
import {
  asRecord,
  InvalidRequest,
  requireString,
  type ApplyResult,
  type StateMachine,
} from './stateMachine.ts';

export { CONFIG_GROUP } from './groups.ts';
export const DEFAULT_GROUP = 'DEFAULT_GROUP';

export interface ConfigItem {
  dataId: string;
  group: string;
  tenant: string;
  content: string;
  md5: string;
}

/**
 * Every node applies the same publishes, so in one process (the simulator) the same contents
 * are hashed once per node; a small cache of recent contents saves most of that. Pure: the
 * result depends only on the text.
 */
let md5Recent = new Map<string, string>();
let md5Older = new Map<string, string>();
const MD5_CACHE_GENERATION = 4096;

export function md5Hex(text: string): string {
  let hex = md5Recent.get(text) ?? md5Older.get(text);
  if (hex !== undefined) return hex;
  hex = md5(text);
  // Two generations instead of evicting one by one: deleting a Map's oldest entry repeatedly
  // leaves holes that make each next eviction slower.
  if (md5Recent.size >= MD5_CACHE_GENERATION) {
    md5Older = md5Recent;
    md5Recent = new Map();
  }
  md5Recent.set(text, hex);
  return hex;
}

function keyOf(dataId: string, group: string, tenant: string): string {
  return `${tenant}+${group}+${dataId}`;
}

interface ConfigKey {
  dataId: string;
  group: string;
  tenant: string;
}

function parseKey(r: Record<string, unknown>, what: string): ConfigKey {
  const dataId = requireString(r, 'dataId', what);
  const group = r.group === undefined ? DEFAULT_GROUP : requireString(r, 'group', what);
  // Nacos's tenant (namespace) is a string, '' for the public one; a number is refused rather
  // than coerced to a string (ConfigRequest.tenant is a String).
  if (r.tenant !== undefined && typeof r.tenant !== 'string') {
    throw new InvalidRequest(`${what}: field "tenant" must be a string`);
  }
  const tenant = r.tenant ?? '';
  return { dataId, group, tenant };
}

/** Validate a write before it is proposed, so a bad request never reaches the log. */
export function validateConfigOp(op: unknown): void {
  const r = asRecord(op, 'config write');
  switch (r.type) {
    case 'publish':
      parseKey(r, 'publish');
      if (typeof r.content !== 'string') {
        throw new InvalidRequest('publish: field "content" must be a string');
      }
      if (r.casMd5 !== undefined && typeof r.casMd5 !== 'string') {
        throw new InvalidRequest('publish: field "casMd5" must be a string');
      }
      return;
    case 'remove':
      parseKey(r, 'remove');
      return;
    default:
      throw new InvalidRequest(`unsupport operation : ${String(r.type)}`);
  }
}

/** Nacos 2.2.4's answer to a CAS publish whose expected md5 is not the stored one. */
export const ERR_CAS_PUBLISH_FAIL = 'Cas publish fail,server md5 may have changed.';

export class ConfigStore implements StateMachine {
  private items = new Map<string, ConfigItem>();

  apply(op: unknown): ApplyResult {
    const r = asRecord(op, 'config write');
    if (r.type === 'publish') return this.publish(r);
    if (r.type === 'remove') {
      const k = parseKey(r, 'remove');
      const existed = this.items.delete(keyOf(k.dataId, k.group, k.tenant));
      return { success: true, data: existed };
    }
    return { success: false, errMsg: `unsupport operation : ${String(r.type)}` };
  }

  private publish(r: Record<string, unknown>): ApplyResult {
    const k = parseKey(r, 'publish');
    const content = String(r.content);
    const key = keyOf(k.dataId, k.group, k.tenant);
    const current = this.items.get(key);
    if (typeof r.casMd5 === 'string') {
      const currentMd5 = current?.md5 ?? '';
      if (currentMd5 !== r.casMd5) {
        // Nacos 2.2.4's text (ConfigPublishRequestHandler#handle, ResponseCode.FAIL).
        return { success: false, errMsg: ERR_CAS_PUBLISH_FAIL };
      }
    }
    // Fields spelled out: an object spread here costs more than the rest of the apply.
    const item: ConfigItem = {
      dataId: k.dataId,
      group: k.group,
      tenant: k.tenant,
      content,
      md5: md5Hex(content),
    };
    this.items.set(key, item);
    return { success: true, data: item.md5 };
  }

  query(q: unknown): ApplyResult {
    const r = asRecord(q, 'config read');
    if (r.type !== 'get')
      return { success: false, errMsg: `unsupport operation : ${String(r.type)}` };
    const k = parseKey(r, 'get');
    const item = this.items.get(keyOf(k.dataId, k.group, k.tenant));
    if (!item) return { success: true, data: { found: false } };
    return { success: true, data: { found: true, content: item.content, md5: item.md5 } };
  }

  snapshot(): unknown {
    return [...this.items.values()].map((i) => ({ ...i }));
  }

  restore(data: unknown): void {
    this.items.clear();
    for (const i of data as ConfigItem[])
      this.items.set(keyOf(i.dataId, i.group, i.tenant), { ...i });
  }
}
