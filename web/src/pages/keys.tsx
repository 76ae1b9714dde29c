import { useState } from 'react';
import { client } from '../client.ts';
import { OutcomeNote, type Outcome } from '../components/error-note.tsx';
import { errorText } from '../lib/error-text.ts';
import { formatTime } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';

/** A UTC timestamp to the minute, as "2026-03-01 10:00". */

/**
 * API key pairs for scripts: the keys that still work, a new pair, revoking one. The secret is
 * shown once, right after creation: the server keeps it sealed and never shows it again.
 */
export function KeysPage() {
  const keys = useAsync(() => client.listApiKeys(), []);
  const [created, setCreated] = useState<{ api_key: string; api_secret: string } | null>(null);
  const [message, setMessage] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    setMessage(null);
    try {
      setCreated(await client.createApiCredentials());
      keys.reload();
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (key: string) => {
    try {
      await client.revokeApiKey(key);
      if (created?.api_key === key) setCreated(null);
      setMessage({ text: `Key ${key} revoked: tokens signed with it stop working at once.`, error: false });
      keys.reload();
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
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
      <div className="panel">
        <h2>Your keys</h2>
        {keys.error && <p className="error">{errorText(keys.error)}</p>}
        {keys.data?.length === 0 && <p className="muted">No keys yet.</p>}
        {keys.data && keys.data.length > 0 && (
          <table className="table key-table">
            <thead>
              <tr>
                <th scope="col">API key</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.api_key}>
                  <td className="mono wrap">{k.api_key}</td>
                  <td>{formatTime(k.created_at)}</td>
                  <td>{k.last_used_at === null ? <span className="muted">never</span> : formatTime(k.last_used_at)}</td>
                  <td>
                    <button type="button" className="btn btn-small" onClick={() => void revoke(k.api_key)} aria-label={`Revoke ${k.api_key}`}>
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <OutcomeNote outcome={message} />
    </section>
  );
}
