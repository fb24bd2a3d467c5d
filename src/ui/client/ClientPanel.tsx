// The client panel: a compact form that sends any operation of any CP group to any node (or
// to "a follower" / "the leader", resolved when the command runs), and a load generator that
// repeats the form's operation at a chosen rate over a few keys, with a stop button and the
// rate it achieves. It acts only through engine commands; what happens to each request is
// shown by the request list, folded from the trace.
// Invariants: the form's fields always belong to the chosen operation (changing group or
// operation resets them to that operation's defaults); the load generator stops when the
// panel goes away or the engine changes, so no orphan timer keeps sending.
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useCommand, useEngine, useSel, useSelectedGroup } from '../context.ts';
import { notify } from '../notices.ts';
import { useShortcut } from '../shortcuts.ts';
import { LoadGenerator, type LoadStats } from './loadGenerator.ts';
import { compareIds } from '../viz/ring.ts';
import {
  buildRequest,
  initialValues,
  nodeChoices,
  operationsOf,
  type FieldSpec,
  type OperationSpec,
} from './operations.ts';

/** The form's state: group, operation, node and the field values. */
interface FormState {
  group: string;
  opId: string;
  node: string;
  values: Record<string, string>;
}

function formFor(group: string, op: OperationSpec | undefined, node: string): FormState {
  return {
    group,
    opId: op?.id ?? '',
    node,
    values: op === undefined ? {} : initialValues(op),
  };
}

function Field({
  f,
  value,
  onChange,
}: {
  f: FieldSpec;
  value: string;
  onChange: (v: string) => void;
}) {
  const id = useId();
  return (
    <span className="client-field">
      <label htmlFor={id} title={f.help}>
        {f.label}
      </label>
      {f.kind === 'boolean' ? (
        <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      ) : (
        <input
          id={id}
          type={f.kind === 'number' ? 'number' : 'text'}
          value={value}
          placeholder={f.kind === 'pairs' ? 'k=v, k2=v2' : f.optional ? '(none)' : ''}
          title={f.help}
          onChange={(e) => onChange(e.target.value)}
          data-field={f.path}
        />
      )}
    </span>
  );
}

const RATES = [1, 5, 20, 50, 100, 200, 500];

function LoadControls({ form, op }: { form: FormState; op: OperationSpec | undefined }) {
  const engine = useEngine();
  const [rate, setRate] = useState(20);
  const [keys, setKeys] = useState(8);
  const [stats, setStats] = useState<LoadStats | null>(null);
  const gen = useRef<LoadGenerator | null>(null);
  // The generator reads the latest form at each request.
  const latest = useRef({ form, op, keys });
  latest.current = { form, op, keys };

  useEffect(() => {
    if (engine === null) return;
    const g = new LoadGenerator(async (i) => {
      const { form: f, op: o, keys: k } = latest.current;
      if (o === undefined) return;
      const r = buildRequest(f.group, o, f.values, f.node, { index: i, keys: k });
      if (!r.ok) return;
      await engine.command(r.command);
    });
    gen.current = g;
    const timer = setInterval(() => setStats(g.snapshot()), 500);
    return () => {
      g.stop();
      clearInterval(timer);
      gen.current = null;
      setStats(null);
    };
  }, [engine]);

  const running = stats?.running === true;
  const start = (): void => {
    if (op === undefined) return;
    const check = buildRequest(form.group, op, form.values, form.node);
    if (!check.ok) {
      notify(`load: ${check.error}`, 'error');
      return;
    }
    gen.current?.start(rate);
    setStats(gen.current?.snapshot() ?? null);
  };
  const stop = (): void => {
    gen.current?.stop();
    setStats(gen.current?.snapshot() ?? null);
  };
  const rateId = useId();
  const keysId = useId();
  return (
    <div className="client-load" role="group" aria-label="Load generator">
      <span className="client-field">
        <label htmlFor={rateId}>load</label>
        <select
          id={rateId}
          value={rate}
          disabled={running}
          onChange={(e) => setRate(Number(e.target.value))}
        >
          {RATES.map((r) => (
            <option key={r} value={r}>
              {r}/s
            </option>
          ))}
        </select>
      </span>
      <span className="client-field">
        <label htmlFor={keysId}>over</label>
        <select
          id={keysId}
          value={keys}
          disabled={running}
          onChange={(e) => setKeys(Number(e.target.value))}
        >
          {[1, 4, 8, 32].map((k) => (
            <option key={k} value={k}>
              {k} key{k === 1 ? '' : 's'}
            </option>
          ))}
        </select>
      </span>
      {running ? (
        <button id="load-stop" type="button" onClick={stop}>
          Stop load
        </button>
      ) : (
        <button
          id="load-start"
          type="button"
          disabled={engine === null || op === undefined}
          onClick={start}
        >
          Start load
        </button>
      )}
      <span id="load-stats" className="client-load-stats" aria-live="off">
        {stats === null || (stats.sent === 0 && !running)
          ? 'repeats this operation, key suffixed -0, -1, …'
          : `${running ? `${stats.achievedPerSec.toFixed(0)}/s achieved · ` : 'stopped · '}` +
            `${stats.sent} sent · ${stats.outstanding} waiting` +
            (stats.skipped > 0 ? ` · ${stats.skipped} skipped (too many waiting)` : '')}
      </span>
    </div>
  );
}

export function ClientPanel() {
  const selectedGroup = useSelectedGroup();
  const groups = useSel((s) => s.view.groups);
  const nodes = useSel((s) => Object.keys(s.view.nodes).sort(compareIds));
  const command = useCommand();
  const group = selectedGroup ?? groups[0] ?? '';
  const [form, setForm] = useState<FormState>(() =>
    formFor(group, operationsOf(group)[0], `@follower:${group}`),
  );
  const [busy, setBusy] = useState(0);
  const [last, setLast] = useState<string | null>(null);

  // Follow the group the other views show, unless the person chose one here since.
  const followed = useRef(group);
  useEffect(() => {
    if (group === followed.current) return;
    followed.current = group;
    setForm(formFor(group, operationsOf(group)[0], `@follower:${group}`));
  }, [group]);

  const ops = operationsOf(form.group);
  const op = ops.find((o) => o.id === form.opId);
  const choices = useMemo(() => nodeChoices(form.group, nodes), [form.group, nodes]);

  const setGroup = (g: string): void => {
    const node = form.node.startsWith('@') ? `${form.node.split(':')[0]}:${g}` : form.node;
    setForm(formFor(g, operationsOf(g)[0], node));
  };
  const setOp = (id: string): void =>
    setForm(
      formFor(
        form.group,
        ops.find((o) => o.id === id),
        form.node,
      ),
    );

  const send = (): void => {
    if (op === undefined) return;
    const r = buildRequest(form.group, op, form.values, form.node);
    if (!r.ok) {
      notify(`${op.label}: ${r.error}`, 'error');
      return;
    }
    setBusy((b) => b + 1);
    command(r.command)
      .then((res) => {
        if (!res.ok) return setLast(res.error);
        const v = res.value as { ok?: boolean; error?: string } | undefined;
        setLast(v?.ok === false ? `failed: ${v.error ?? ''}` : 'ok');
      })
      .finally(() => setBusy((b) => b - 1));
  };
  useShortcut('w', 'Send the client form’s request', 'Requests', send);

  const ids = { group: useId(), op: useId(), node: useId() };
  return (
    <form
      className="client-panel"
      aria-label="Client"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      <div className="client-row">
        <span className="client-field">
          <label htmlFor={ids.group}>Raft group</label>
          <select
            id={ids.group}
            data-testid="client-group"
            value={form.group}
            onChange={(e) => setGroup(e.target.value)}
          >
            {groups.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </span>
        <span className="client-field">
          <label htmlFor={ids.op}>operation</label>
          <select
            id={ids.op}
            data-testid="client-op"
            value={form.opId}
            onChange={(e) => setOp(e.target.value)}
          >
            {ops.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        </span>
        <span className="client-field">
          <label htmlFor={ids.node}>to</label>
          <select
            id={ids.node}
            data-testid="client-node"
            value={form.node}
            onChange={(e) => setForm({ ...form, node: e.target.value })}
          >
            {choices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </span>
        <button id="client-send" type="submit" className="primary" disabled={op === undefined}>
          Send {op?.kind ?? ''}
        </button>
        <span className="client-last muted" aria-live="polite" title={last ?? undefined}>
          {busy > 0 ? `${busy} waiting…` : (last ?? 'W sends')}
        </span>
      </div>
      <div className="client-row client-fields">
        {op?.fields.map((f) => (
          <Field
            key={`${op.id}:${f.path}`}
            f={f}
            value={form.values[f.path] ?? ''}
            onChange={(v) => setForm({ ...form, values: { ...form.values, [f.path]: v } })}
          />
        ))}
      </div>
      <LoadControls form={form} op={op} />
    </form>
  );
}
