// The contract between a Raft group and the business processor it replicates (Nacos's
// RequestProcessor4CP). apply() runs on every node in log order and must be deterministic;
// it throws only on a real fault, which puts the group on that node into ERROR.

export interface ApplyResult {
  /** Nacos's Response.success: false answers are still applied, but reported as failures. */
  success: boolean;
  data?: unknown;
  errMsg?: string;
}

export interface StateMachine {
  /** Apply one committed write. */
  apply(op: unknown): ApplyResult;
  /** Serve one read against the current state (after ReadIndex, or from a log-committed read). */
  query(q: unknown): ApplyResult;
  /** Serialize the whole state (plain data). */
  snapshot(): unknown;
  /** Replace the whole state by a snapshot. */
  restore(data: unknown): void;
}

/** A user-facing rejection of a malformed request, raised before anything is proposed. */
export class InvalidRequest extends Error {}

export function requireString(obj: Record<string, unknown>, field: string, what: string): string {
  const v = obj[field];
  if (typeof v !== 'string' || v.length === 0) {
    throw new InvalidRequest(`${what}: field "${field}" must be a non-empty string`);
  }
  return v;
}

export function asRecord(x: unknown, what: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    throw new InvalidRequest(`${what}: expected an object, got ${JSON.stringify(x)}`);
  }
  return x as Record<string, unknown>;
}

/**
 * Parse an op at apply time the way Nacos's onApply does: whatever the parse refuses is answered
 * success=false with its message (the op was committed; it just takes no effect).
 */
export function parseOrRefuse<T>(op: unknown, parse: (op: unknown) => T): T | ApplyResult {
  try {
    return parse(op);
  } catch (err) {
    if (err instanceof InvalidRequest) return { success: false, errMsg: err.message };
    throw err;
  }
}
