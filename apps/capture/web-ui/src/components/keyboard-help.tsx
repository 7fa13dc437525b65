// A small "Keys" disclosure listing the list's keyboard shortcuts (use-list-keys.ts).
import { useState } from 'preact/hooks';

const KEYS: [string, string][] = [
  ['j / k', 'next / previous message'],
  ['Enter', 'open it'],
  ['/', 'search'],
  ['Delete', 'delete it'],
  ['s', 'star or unstar it'],
];

export function KeyboardHelp() {
  const [open, setOpen] = useState(false);
  return (
    <div class="keyboard-help">
      <button type="button" class="button" aria-expanded={open ? 'true' : 'false'} aria-controls="keyboard-help" onClick={() => setOpen(!open)}>
        Keys
      </button>
      {open && (
        <dl id="keyboard-help" class="keyboard-help__list">
          {KEYS.map(([key, meaning]) => (
            <div key={key}>
              <dt>
                <kbd>{key}</kbd>
              </dt>
              <dd>{meaning}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
