// Which engine runs the page (live cluster, simulator in a Worker, or a replay), shown and chosen
// in one quiet control. It reads and switches through window.playground only, so the console
// and the page always agree on the active engine; a refused switch says why beside the control.
import { useEffect, useState, type ChangeEvent } from 'react';
import { ENGINE_KINDS, ENGINE_LABELS, type EngineKind, type PageHost } from '../engine/types.ts';

export function EngineSelector({ playground }: { playground: PageHost }) {
  const [engine, setEngine] = useState<EngineKind>(playground.engine);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const off = playground.onClusterChange(() => setEngine(playground.engine));
    setEngine(playground.engine);
    return off;
  }, [playground]);
  const onChange = (ev: ChangeEvent<HTMLSelectElement>): void => {
    const kind = ev.target.value as EngineKind;
    setBusy(true);
    setNote(`starting the ${kind} engine…`);
    playground
      .useEngine(kind)
      .then(() => setNote(''))
      .catch((err: unknown) => setNote(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        setBusy(false);
        setEngine(playground.engine);
      });
  };
  return (
    <div className="engine-selector">
      <label>
        Engine{' '}
        <select id="engine-select" value={engine} onChange={onChange} disabled={busy}>
          {ENGINE_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>{' '}
      <span id="engine-label">{ENGINE_LABELS[engine]}</span>
      {note !== '' && (
        <span id="engine-note" role="status">
          {' '}
          · {note}
        </span>
      )}
    </div>
  );
}
