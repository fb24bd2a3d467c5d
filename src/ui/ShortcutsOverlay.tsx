// The `?` overlay: every keyboard shortcut registered right now, grouped by section. A modal
// dialog (native <dialog>): Escape or the button closes it, focus returns where it was.
import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { shortcutList, shortcutStore } from './shortcuts.ts';

const KEY_NAMES: Record<string, string> = {
  ' ': 'Space',
  ArrowLeft: '←',
  ArrowRight: '→',
  ArrowUp: '↑',
  ArrowDown: '↓',
  Escape: 'Esc',
};

export function ShortcutsOverlay({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const entries = useStore(shortcutStore, (s) => s.entries);
  useEffect(() => {
    const d = ref.current;
    if (d === null) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="shortcuts"
      aria-labelledby="shortcuts-title"
      onClose={onClose}
      id="shortcuts-overlay"
    >
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <div className="shortcut-sections">
        {shortcutList(entries).map(([section, list]) => (
          <section key={section}>
            <h3>{section}</h3>
            <dl>
              {list.map((s) => (
                <div key={s.key} className="shortcut">
                  <dt>
                    <kbd>{KEY_NAMES[s.key] ?? s.key}</kbd>
                  </dt>
                  <dd>{s.label}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
