// The search field (`/` focuses it from anywhere on the page) and its help popover of the operators.
import { useEffect, useRef, useState } from 'preact/hooks';
import { SEARCH_OPERATORS } from '../search-operators';

export const SEARCH_INPUT_ID = 'search-input';

export function SearchBox({ value, onChange, label, problem }: { value: string; onChange(query: string): void; label: string; problem?: string | null }) {
  const [helpOpen, setHelpOpen] = useState(false);
  const helpRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  // The popover closes on Escape and on a click outside it, as a popover should.
  useEffect(() => {
    if (!helpOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setHelpOpen(false);
      buttonRef.current?.focus();
    };
    const onClick = (event: MouseEvent) => {
      const target = event.target as Node;
      if (!helpRef.current?.contains(target) && !buttonRef.current?.contains(target)) setHelpOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('click', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('click', onClick);
    };
  }, [helpOpen]);

  return (
    <div class="search-box" role="search">
      <label class="visually-hidden" for={SEARCH_INPUT_ID}>
        {label}
      </label>
      <input
        id={SEARCH_INPUT_ID}
        class="search-box__input"
        type="search"
        value={value}
        placeholder={`${label} (press / )`}
        autocomplete="off"
        spellcheck={false}
        aria-invalid={problem ? 'true' : undefined}
        aria-describedby={problem ? 'search-problem' : undefined}
        onInput={(event) => onChange((event.target as HTMLInputElement).value)}
      />
      <button ref={buttonRef} type="button" class="button button--small search-box__help-button" aria-expanded={helpOpen ? 'true' : 'false'} aria-controls="search-help" onClick={() => setHelpOpen(!helpOpen)}>
        Search help
      </button>
      {helpOpen && (
        <div ref={helpRef} id="search-help" class="search-help" role="dialog" aria-label="Search operators">
          <p class="search-help__intro">Terms are apart by spaces and all must hold.</p>
          <dl class="search-help__list">
            {SEARCH_OPERATORS.map((operator) => (
              <div class="search-help__item" key={operator.example}>
                <dt>
                  <code>{operator.example}</code>
                </dt>
                <dd>{operator.meaning}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      {problem && (
        <p id="search-problem" class="field-problem" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}
