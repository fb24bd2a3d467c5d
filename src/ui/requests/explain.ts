// "Why, not just what" for the request list: one sentence on why a request failed or has an
// unknown outcome, and why a read went through the log instead of ReadIndex, citing the Raft
// paper (and Ongaro's thesis for ReadIndex) or what Nacos does. The sentences key on Nacos's
// exact error texts (src/node/constants.ts, through src/state/vocabulary.ts) and the core's ReadIndex refusals (src/raft/raft.ts).
// Invariants: pure; every failed or unknown request gets a sentence (the error itself when
// no rule knows it), and an ok write or a ReadIndex read gets none.
import {
  ERR_OPERATION_FAILURE,
  ERR_TIMEOUT_EXCEPTION,
  READ_TIMEOUT_MS,
  RPC_REQUEST_TIMEOUT_MS,
  WRITE_TIMEOUT_MS,
  errInvokeTimeout,
} from '../../state/vocabulary.ts';
import type { RequestSummary } from './requestSummary.ts';

/** SOFABolt's text up to the address it names. */
const INVOKE_TIMEOUT = errInvokeTimeout('');

/** Why a read's ReadIndex was refused, from the core's reason. */
function readIndexWhy(detail: string | null, s: RequestSummary): string {
  const d = detail ?? '';
  const at = s.origin ?? 'the node';
  if (d.includes('has not committed in its term')) {
    return (
      `ReadIndex was refused: the leader had not yet committed an entry of its own term, so it ` +
      `could not know the latest commit index (thesis §6.4, Raft §8)`
    );
  }
  if (d.includes('no leader')) return `ReadIndex was refused: ${at} knew no leader to ask (§8)`;
  if (d.includes('not leader')) {
    return `ReadIndex was refused: the node ${at} asked is no longer the leader (§8)`;
  }
  if (d.includes('STATE_ERROR')) {
    return `ReadIndex was refused: the group is in ERROR on ${at} (its state machine failed)`;
  }
  return `ReadIndex was refused (${d || 'no reason given'})`;
}

/** The "why" sentence for a request, or null when there is nothing to explain. */
export function explainRequest(s: RequestSummary): string | null {
  const fellBack = s.readIndex !== null && s.readIndex.index < 0;
  const fallback = fellBack
    ? `Read through the log: ${readIndexWhy(s.readIndex!.detail, s)}, so Nacos committed the ` +
      `read as a log entry instead (its commitRead fallback)` +
      (s.entry !== null ? `, entry #${s.entry.index} of term ${s.entry.term}.` : '.')
    : null;
  if (s.outcome === 'ok' || s.outcome === 'pending') return fallback;
  const why = explainFailure(s);
  return fallback === null ? why : `${why} ${fallback}`;
}

function explainFailure(s: RequestSummary): string {
  const e = s.error;
  const verdict = s.outcome === 'info' ? 'Outcome unknown' : 'Failed';
  const group = s.group;
  if (e === null) {
    return s.outcome === 'info'
      ? `Outcome unknown: no answer came back (the node crashed or the client gave up), so the ` +
          `write may or may not have taken effect; a client can only retry idempotently (§8).`
      : `Failed without an error text.`;
  }
  if (e.startsWith(`The Raft Group [${group}] did not find the Leader node`)) {
    return (
      `${verdict}: "${e}": ${s.origin ?? 'the node'} knew no leader of ${group} in its route ` +
      `table when the request arrived, and Nacos refuses at once rather than wait for one ` +
      `(JRaftServer.commit). Nacos fills that table on a timer (every election timeout plus up ` +
      `to 5 s, refreshRouteTable), not from Raft: during an election, when cut off, or for some ` +
      `seconds after a new leader is elected, a follower can know the Raft leader and still refuse.`
    );
  }
  if (e.startsWith('Could not find leader')) {
    return (
      `${verdict}: "${e}": the node the request was forwarded to was not the leader of the ` +
      `term the Forward was sent in, so it neither proposed it nor forwarded it again; whether ` +
      `an earlier copy took effect is unknown (Nacos forwards once, §8).`
    );
  }
  if (e === 'Is not leader.') {
    return (
      `${verdict}: "${e}": the node that received the Forward was no longer the leader, and ` +
      `Nacos does not forward a second time.`
    );
  }
  if (e.startsWith(INVOKE_TIMEOUT)) {
    const to = e.slice(INVOKE_TIMEOUT.length) || 'the leader';
    return (
      `${verdict}: ${s.origin ?? 'the node'} forwarded the request to ${to}, which did not ` +
      `answer within the ${RPC_REQUEST_TIMEOUT_MS} ms RPC timeout (SOFABolt's "Invoke timeout"): ` +
      `${to} may be cut off, crashed or no longer the leader, and whether it proposed the ` +
      `request is unknown. Nacos forwards to the leader in its route table, which can name the ` +
      `old leader for seconds after a failover.`
    );
  }
  if (e === ERR_TIMEOUT_EXCEPTION) {
    const read = s.kind === 'read';
    return (
      `${verdict}: "${e}": no answer within Nacos's ${read ? READ_TIMEOUT_MS : WRITE_TIMEOUT_MS} ms ` +
      `${read ? 'read' : 'write'} wait (JRaftProtocol's future timed out)` +
      (read
        ? `; a read changes nothing, so nothing is lost.`
        : `; the entry may still commit later or be replaced by a new leader, and the client ` +
          `cannot tell (§8).`)
    );
  }
  if (e === ERR_OPERATION_FAILURE) {
    return (
      `${verdict}: "${e}": the leader stepped down while ${s.entry === null ? 'the entry' : `entry #${s.entry.index}`} ` +
      `waited to commit; JRaft fails such tasks with "Leader stepped down", which Nacos's ` +
      `FailoverClosureImpl reports as "operation failure". The entry may still commit under ` +
      `the next leader (§5.4.2), so a write's outcome is unknown.`
    );
  }
  const timeout = /^Request timed out after (\d+) ms/.exec(e);
  if (timeout !== null) {
    return s.kind === 'read'
      ? `${verdict}: no answer within Nacos's ${timeout[1]} ms read timeout; a read changes ` +
          `nothing, so nothing is lost.`
      : `${verdict}: no answer within Nacos's ${timeout[1]} ms write timeout; the entry may ` +
          `still commit later or be replaced by a new leader, and the client cannot tell (§8).`;
  }
  if (e.startsWith('write lost')) {
    const at =
      s.entry === null ? 'its entry' : `its entry #${s.entry.index} of term ${s.entry.term}`;
    return (
      `${verdict}: the leader lost its leadership before ${at} committed; a new leader's ` +
      `log takes precedence and replaces uncommitted entries (§5.3, §5.4.2).`
    );
  }
  if (e.includes('STATE_ERROR') || e.startsWith('apply of entry') || e.includes('snapshot load')) {
    return (
      `${verdict}: "${e}": the group's state machine failed on that node, which put the group ` +
      `into ERROR (JRaft's STATE_ERROR): it applies nothing more until a restart.`
    );
  }
  if (s.proposer === null && s.entry === null && s.forwardedTo === null) {
    return (
      `${verdict}: "${e}": refused on ${s.origin ?? 'the node'} before anything was proposed; ` +
      `Nacos validates a request (and runs its pre-write checks) on the node it reaches, so a ` +
      `bad request never enters the log.`
    );
  }
  if (s.entry !== null && s.applies.length > 0) {
    return (
      `${verdict}: "${e}": the entry #${s.entry.index} committed and was applied, and the ` +
      `group's processor answered with this error (Nacos returns the processor's errMsg).`
    );
  }
  return `${verdict} with Nacos's error "${e}".`;
}
