// Accessible tabs (WAI-ARIA tabs pattern): a tablist whose arrow keys move between tabs, and one
// panel shown at a time. Hidden panels are not rendered, so a tab nobody looks at costs nothing.
// Invariant: exactly one tab is selected; the selection survives re-renders and falls back to
// the first tab when its tab disappears.
import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface TabSpec {
  id: string;
  label: string;
  render: () => ReactNode;
}

export function Tabs({
  tabs,
  label,
  selected,
  onSelect,
}: {
  tabs: readonly TabSpec[];
  label: string;
  /** Controlled selection (optional): the tab id. */
  selected?: string;
  onSelect?: (id: string) => void;
}) {
  const base = useId();
  const [own, setOwn] = useState(tabs[0]?.id ?? '');
  const want = selected ?? own;
  const current = tabs.some((t) => t.id === want) ? want : (tabs[0]?.id ?? '');
  const refs = useRef(new Map<string, HTMLButtonElement>());
  const choose = (id: string): void => {
    setOwn(id);
    onSelect?.(id);
  };
  const onKey = (ev: KeyboardEvent<HTMLDivElement>): void => {
    const i = tabs.findIndex((t) => t.id === current);
    let j = -1;
    if (ev.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (ev.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    else if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = tabs.length - 1;
    if (j < 0) return;
    ev.preventDefault();
    ev.stopPropagation();
    choose(tabs[j].id);
    refs.current.get(tabs[j].id)?.focus();
  };
  const active = tabs.find((t) => t.id === current);
  return (
    <div className="tabs">
      <div className="tab-list" role="tablist" aria-label={label} onKeyDown={onKey}>
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              if (el) refs.current.set(t.id, el);
              else refs.current.delete(t.id);
            }}
            id={`${base}-tab-${t.id}`}
            type="button"
            role="tab"
            className="tab"
            data-tab={t.id}
            aria-selected={t.id === current}
            aria-controls={`${base}-panel-${t.id}`}
            tabIndex={t.id === current ? 0 : -1}
            onClick={() => choose(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {active !== undefined && (
        <div
          className="tab-panel"
          role="tabpanel"
          id={`${base}-panel-${active.id}`}
          aria-labelledby={`${base}-tab-${active.id}`}
        >
          {active.render()}
        </div>
      )}
    </div>
  );
}
