// The address field and its "Check the mail" button: opens any inbox.
import { useState } from 'preact/hooks';
import { looksLikeAddress } from '../format';
import { hrefs, navigate } from '../routing';

export function AddressForm({ initial = '', compact = false }: { initial?: string; compact?: boolean }) {
  const [address, setAddress] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const value = address.trim();
    if (!looksLikeAddress(value)) {
      setProblem('Type a whole address, like someone@example.com.');
      return;
    }
    setProblem(null);
    navigate(hrefs.inbox(value));
  };
  return (
    <form class={compact ? 'address-form address-form--compact' : 'address-form'} onSubmit={onSubmit} role="search" novalidate>
      <label for={compact ? 'address-compact' : 'address'} class={compact ? 'visually-hidden' : 'address-form__label'}>
        Email address
      </label>
      <div class="address-form__row">
        <input
          id={compact ? 'address-compact' : 'address'}
          name="address"
          type="text"
          inputMode="email"
          autoComplete="off"
          autoCapitalize="off"
          spellcheck={false}
          placeholder="someone@example.com"
          value={address}
          onInput={(event) => setAddress((event.currentTarget as HTMLInputElement).value)}
          aria-invalid={problem ? 'true' : undefined}
          aria-describedby={problem ? 'address-problem' : undefined}
        />
        <button type="submit" class="button button--primary">
          Check the mail
        </button>
      </div>
      {problem && (
        <p id="address-problem" class="field-problem">
          {problem}
        </p>
      )}
    </form>
  );
}
