// The `nacos_config` processor: config items keyed by (dataId, group, tenant), each with its
// content and md5. Publish, CAS publish (Nacos 2.2.4's insertOrUpdateCas: an empty casMd5 is a
// plain publish; a non-empty one inserts an absent item, whatever md5 it expects, and updates a
// present one only when its md5 is the expected one), remove; get returns content and md5 or
// not-found. Deterministic: the same log gives the same store.
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

/**
 * Java's Character.isWhitespace for a UTF-16 code unit: the Unicode space, line and paragraph
 * separators except the no-break ones (U+00A0, U+2007, U+202F), and the controls \t \n \v \f
 * \r and U+001C..U+001F.
 */
function isJavaWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c >= 0x2000 && c <= 0x200a) return c !== 0x2007;
  return c === 0x1680 || c === 0x2028 || c === 0x2029 || c === 0x205f || c === 0x3000;
}

/**
 * Nacos's StringUtils.isBlank: empty or whitespace only. A CAS publish with a blank casMd5 is a
 * plain publish (ConfigPublishRequestHandler#handle).
 */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isJavaWhitespace(text.charCodeAt(i))) return false;
  return true;
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
    // ConfigPublishRequestHandler#handle: a blank casMd5 is a plain publish (insertOrUpdate).
    // A non-blank one is insertOrUpdateCas: an absent item is inserted whatever md5 was
    // expected; a present one is updated only when its md5 is the expected one
    // (updateConfigInfoAtomicCas: `... AND (md5=? OR md5 IS NULL OR md5='')`; a stored md5 is
    // never blank here). Otherwise Nacos's text, with ResponseCode.FAIL (500) at the client.
    // Embedded 2.2.4 storage would answer success without updating; the playground fails it,
    // as later Nacos does (docs/NACOS-DIFFERENCES.md).
    if (typeof r.casMd5 === 'string' && !isBlank(r.casMd5)) {
      const current = this.items.get(key);
      if (current !== undefined && current.md5 !== r.casMd5) {
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
