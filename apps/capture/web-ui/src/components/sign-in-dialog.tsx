// Asks for an API key when the reader tries something that needs one (delete, star).
import { useEffect, useRef } from 'preact/hooks';
import { SignInForm } from './sign-in-form';

export function SignInDialog({ open, reason, onDone, onCancel }: { open: boolean; reason: string; onDone(): void; onCancel(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="sign-in-dialog-title" onClose={onCancel}>
      <h2 id="sign-in-dialog-title">Sign in</h2>
      <p>{reason}</p>
      <SignInForm idPrefix="sign-in-dialog" onSignedIn={onDone} />
      <div class="dialog__actions">
        <button type="button" class="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
