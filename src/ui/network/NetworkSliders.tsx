// Delay, loss and duplication sliders for every link or one direction. A slider shows the
// model's setting and, while it is moved, the value under the thumb; the change is sent as one
// `network` command when the thumb is let go (or a key changes it), not on every pixel.
// Invariant: the displayed value is the model's once the command's fault event is folded.
import { useEffect, useState } from 'react';
import type { LinkPolicy } from '../../net/policy.ts';
import { delayChange, delayText, type SliderPolicy } from './policyView.ts';

export function NetworkSliders({
  idPrefix,
  policy,
  onChange,
}: {
  idPrefix: string;
  policy: SliderPolicy;
  onChange: (change: Partial<LinkPolicy>) => void;
}) {
  return (
    <div className="net-sliders">
      <Slider
        id={`${idPrefix}-delay`}
        label="Delay"
        min={0}
        max={2000}
        step={10}
        value={policy.delayMsMax}
        text={(v, moving) => delayText(policy, moving ? v : null)}
        commit={(v) => onChange(delayChange(v))}
      />
      <Slider
        id={`${idPrefix}-loss`}
        label="Loss"
        min={0}
        max={100}
        step={1}
        value={Math.round(policy.dropRatio * 100)}
        text={(v) => `${v} %`}
        commit={(v) => onChange({ dropRatio: v / 100 })}
      />
      <Slider
        id={`${idPrefix}-dup`}
        label="Duplication"
        min={0}
        max={100}
        step={1}
        value={Math.round(policy.duplicateRatio * 100)}
        text={(v) => `${v} %`}
        commit={(v) => onChange({ duplicateRatio: v / 100 })}
      />
    </div>
  );
}

function Slider({
  id,
  label,
  min,
  max,
  step,
  value,
  text,
  commit,
}: {
  id: string;
  label: string;
  min: number;
  max: number;
  step: number;
  value: number;
  /** The words for value `v`; `moving`: the thumb is being moved, `v` is not yet in force. */
  text: (v: number, moving: boolean) => string;
  commit: (v: number) => void;
}) {
  const [draft, setDraft] = useState<number | null>(null);
  useEffect(() => setDraft(null), [value]);
  const shown = draft ?? value;
  const done = (): void => {
    if (draft !== null && draft !== value) commit(draft);
  };
  return (
    <label className="net-slider" htmlFor={id}>
      <span className="net-slider-label">{label}</span>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={Math.min(max, shown)}
        aria-valuetext={text(shown, draft !== null)}
        onChange={(ev) => setDraft(Number(ev.currentTarget.value))}
        onPointerUp={done}
        onKeyUp={done}
        onBlur={done}
      />
      <output htmlFor={id} className="net-slider-value">
        {text(shown, draft !== null)}
      </output>
    </label>
  );
}
