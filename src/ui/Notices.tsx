// The notices strip: refused commands and short confirmations, announced to screen readers
// (role=status, polite). It floats over the bottom corner so it never moves the layout.
import { useStore } from 'zustand';
import { dismiss, noticeStore } from './notices.ts';

export function Notices() {
  const notices = useStore(noticeStore, (s) => s.notices);
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <div key={n.id} className={`notice notice-${n.level}`}>
          <span>{n.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
