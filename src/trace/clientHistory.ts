// How a client request and its reply read as history events (`invoke` then `ok`/`fail`/`info`),
// in the shapes the linearizability models define (models.ts). Every host records client
// histories through these two functions, so a trace from the simulator or from the browser can
// be checked as it is. Groups without a model are recorded with the request's own type and a
// best-effort key; the checker skips them.
//
// Outcomes: `ok` the operation took effect and answered; `fail` it certainly took no effect (a
// refusal, a CAS conflict surfacing as an error when forwarded, a read that failed); `info` its
// outcome is unknown (timeout, crash, a write in flight when its leader changed).
import type { GroupId } from '../raft/types.ts';
import {
  CONFIG_DEFAULT_GROUP,
  CONFIG_STORE_GROUP,
  DATUM_STORE_GROUP,
  INSTANCE_REGISTRY_GROUP,
  configKey,
  datumBatchKey,
} from './models.ts';

/** What an `invoke` event carries about the operation. */
export interface HistoryCall {
  group: GroupId;
  op: string;
  key: string;
  value: unknown;
}

/** A client reply as the hosts see it (the node's ClientReply, or null for no answer). */
export type HistoryReply =
  { ok: true; value: unknown } | { ok: false; error: string; indeterminate?: boolean };

type Rec = Record<string, unknown>;

function rec(x: unknown): Rec {
  return typeof x === 'object' && x !== null ? (x as Rec) : {};
}

function str(x: unknown, fallback = ''): string {
  return typeof x === 'string' ? x : fallback;
}

/**
 * The history call of a request, or null when the operation is not part of its group's history
 * (the registry's CHANGE and `services` listing leave the instance set of a service unchanged
 * and unobserved).
 */
export function describeRequest(
  group: GroupId,
  kind: 'write' | 'read',
  payload: unknown,
): HistoryCall | null {
  const p = rec(payload);
  const type = str(p.type, kind);
  if (group === CONFIG_STORE_GROUP) {
    const key = configKey(str(p.dataId), str(p.group, CONFIG_DEFAULT_GROUP), str(p.tenant));
    if (kind === 'read') return { group, op: 'get', key, value: null };
    if (type === 'remove') return { group, op: 'remove', key, value: null };
    if (typeof p.casMd5 === 'string') {
      return { group, op: 'cas', key, value: { content: p.content, casMd5: p.casMd5 } };
    }
    return { group, op: 'put', key, value: p.content };
  }
  if (group === INSTANCE_REGISTRY_GROUP) {
    const key = str(p.service);
    if (kind === 'read')
      return type === 'instances' ? { group, op: 'list', key, value: null } : null;
    const inst = rec(p.instance);
    const value = `${str(inst.ip)}:${String(inst.port)}`;
    if (type === 'ADD') return { group, op: 'register', key, value };
    if (type === 'DELETE') return { group, op: 'deregister', key, value };
    return null;
  }
  if (group === DATUM_STORE_GROUP) return describeDatumRequest(group, kind, type, p);
  const key = str(p.dataId) || str(p.metadataId) || str(p.service);
  return { group, op: type, key, value: p.content ?? null };
}

/**
 * A `naming_persistent_service` request: one key (what Nacos's put, remove and get send) or a
 * batch of several. Requests that can change nothing are left out: an operation onApply does not
 * handle, a Write whose keys and values differ in number (refused at apply), an empty batch.
 */
function describeDatumRequest(
  group: GroupId,
  kind: 'write' | 'read',
  type: string,
  p: Rec,
): HistoryCall | null {
  const keys = Array.isArray(p.keys) ? (p.keys as unknown[]) : [];
  if (keys.length === 0 || !keys.every((k): k is string => typeof k === 'string')) return null;
  const one = keys.length === 1;
  const key = one ? keys[0] : datumBatchKey(keys);
  if (kind === 'read') {
    if (type !== 'get') return null;
    return one
      ? { group, op: 'get', key, value: null }
      : { group, op: 'get-batch', key, value: keys };
  }
  if (type === 'Delete') {
    return one
      ? { group, op: 'remove', key, value: null }
      : { group, op: 'remove-batch', key, value: keys };
  }
  const values = Array.isArray(p.values) ? (p.values as unknown[]) : [];
  if (type !== 'Write' || values.length !== keys.length) return null;
  return one
    ? { group, op: 'put', key, value: values[0] }
    : { group, op: 'put-batch', key, value: { keys, values } };
}

/** The completion event of a call: its type and the result the model reads. */
export function describeOutcome(
  call: HistoryCall,
  reply: HistoryReply | null,
): { type: 'ok' | 'fail' | 'info'; result: unknown } {
  if (reply === null) return { type: 'info', result: 'no answer' };
  const isRead = call.op === 'get' || call.op === 'list' || call.op === 'get-batch';
  if (!reply.ok) {
    // A read has no effect, so even an unknown outcome is a definite non-event for the history.
    if (reply.indeterminate && !isRead) return { type: 'info', result: reply.error };
    return { type: 'fail', result: reply.error };
  }
  const v = rec(reply.value);
  const data = v.data;
  if (call.group === CONFIG_STORE_GROUP) {
    switch (call.op) {
      case 'get': {
        const d = rec(data);
        return {
          type: 'ok',
          result: d.found === true ? { found: true, content: d.content } : { found: false },
        };
      }
      case 'cas':
        // The leader answers a conflict normally with success=false: it took no effect.
        return { type: 'ok', result: v.success === true };
      case 'remove':
        return { type: 'ok', result: data === true };
      default:
        return { type: 'ok', result: data ?? null };
    }
  }
  if (call.group === DATUM_STORE_GROUP) return describeDatumOutcome(call, v);
  if (call.group === INSTANCE_REGISTRY_GROUP && call.op === 'list') {
    const list = Array.isArray(data) ? (data as Rec[]) : [];
    return { type: 'ok', result: list.map((i) => `${str(i.ip)}:${String(i.port)}`) };
  }
  // A processor's success=false took no effect.
  if (v.success === false) return { type: 'fail', result: v.errMsg ?? 'success=false' };
  return { type: 'ok', result: data ?? null };
}

/**
 * A `naming_persistent_service` answer: a read's BatchReadResponse (one key: found or not), or a
 * write's Response. A put answered success=false may have taken effect all the same (onApply
 * stores the batch before the switch-domain event that fails), so its outcome is unknown; any
 * other success=false (an operation onApply does not handle, a Write whose keys and values
 * differ in number) took no effect.
 */
function describeDatumOutcome(
  call: HistoryCall,
  v: Rec,
): { type: 'ok' | 'info' | 'fail'; result: unknown } {
  if (v.success === false) {
    const errMsg = v.errMsg ?? 'success=false';
    return call.op === 'put' || call.op === 'put-batch'
      ? { type: 'info', result: errMsg }
      : { type: 'fail', result: errMsg };
  }
  if (call.op === 'get' || call.op === 'get-batch') {
    const d = rec(v.data);
    const keys = Array.isArray(d.keys) ? (d.keys as unknown[]) : [];
    const values = Array.isArray(d.values) ? (d.values as unknown[]) : [];
    if (call.op === 'get-batch') return { type: 'ok', result: { keys, values } };
    return {
      type: 'ok',
      result: keys.length > 0 ? { found: true, value: values[0] } : { found: false },
    };
  }
  return { type: 'ok', result: null };
}

/**
 * The history outcome of any request, including those describeRequest leaves out of the history
 * (their outcome reads as a read's or a processor write's would). Hosts count their client
 * summaries with it, so a summary's ok / failed / unknown are the trace's ok / fail / info.
 */
export function outcomeType(
  group: GroupId,
  kind: 'write' | 'read',
  payload: unknown,
  reply: HistoryReply | null,
): 'ok' | 'fail' | 'info' {
  const call = describeRequest(group, kind, payload) ?? {
    group,
    op: kind === 'read' ? 'get' : str(rec(payload).type, kind),
    key: '',
    value: null,
  };
  return describeOutcome(call, reply).type;
}
