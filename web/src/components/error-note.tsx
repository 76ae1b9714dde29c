/** A failure to show beside the control that caused it; announced to screen readers. */
export function ErrorNote({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="error" role="alert">
      {message}
    </p>
  );
}

/** The outcome of an action: a success as a status, a failure as an alert. */
export type Outcome = { text: string; error: boolean } | null;

export function OutcomeNote({ outcome }: { outcome: Outcome }) {
  if (!outcome) return null;
  return (
    <p className={outcome.error ? 'error' : 'ok'} role={outcome.error ? 'alert' : 'status'}>
      {outcome.text}
    </p>
  );
}
