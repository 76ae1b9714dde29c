import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';

/**
 * API key pairs for scripts. The secret is shown once, right after creation: the server keeps
 * it sealed and never shows it again. Revoking takes the key itself.
 */
export function KeysPage() {
  const [created, setCreated] = useState<{ api_key: string; api_secret: string } | null>(null);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    setMessage(null);
    try {
      setCreated(await api.createApiKey());
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const key = String(new FormData(form).get('key')).trim();
    try {
      await api.revokeApiKey(key);
      form.reset();
      if (created?.api_key === key) setCreated(null);
      setMessage({ text: `Key ${key} revoked: tokens signed with it stop working at once.`, error: false });
    } catch (err) {
      setMessage({ text: (err as Error).message, error: true });
    }
  };

  return (
    <section className="page">
      <h1>API keys</h1>
      <p className="muted">Scripts sign short-lived JWTs with a key pair (see the README); the web app uses your session instead.</p>
      <div className="panel">
        <h2>New key pair</h2>
        <button type="button" className="btn btn-primary" onClick={() => void create()} disabled={busy}>
          Create a key pair
        </button>
        {created && (
          <div className="secret" role="status">
            <p>
              <strong>Copy the secret now:</strong> it is shown only this once.
            </p>
            <dl className="facts">
              <dt>API key</dt>
              <dd className="mono wrap">{created.api_key}</dd>
              <dt>API secret</dt>
              <dd className="mono wrap">{created.api_secret}</dd>
            </dl>
            <button type="button" className="btn" onClick={() => void navigator.clipboard?.writeText(`${created.api_key}\n${created.api_secret}\n`)}>
              Copy both
            </button>
          </div>
        )}
      </div>
      <form className="panel" onSubmit={(e) => void revoke(e)}>
        <h2>Revoke a key</h2>
        <div className="form-row">
          <label className="grow">
            API key
            <input name="key" required maxLength={200} className="mono" />
          </label>
          <button type="submit" className="btn">
            Revoke
          </button>
        </div>
      </form>
      {message && (
        <p className={message.error ? 'error' : 'ok'} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
    </section>
  );
}
