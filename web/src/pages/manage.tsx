import { useState, type FormEvent } from 'react';
import { client, type Dataset } from '../client.ts';
import { OutcomeNote, type Outcome } from '../components/error-note.tsx';
import { useNav } from '../lib/router.tsx';
import { errorText } from '../lib/error-text.ts';

/** Share with another user by email, or delete the dataset (asked twice). */
export function ManageDataset({ dataset }: { dataset: Dataset }) {
  const { go } = useNav();
  const [message, setMessage] = useState<Outcome>(null);
  const [confirming, setConfirming] = useState(false);

  const share = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const email = String(new FormData(form).get('email')).trim();
    try {
      await client.shareDataset(dataset.id, email);
      form.reset();
      setMessage({ text: `Shared with ${email}.`, error: false });
    } catch (err) {
      setMessage({ text: errorText(err), error: true });
    }
  };
  const remove = async () => {
    try {
      await client.deleteDataset(dataset.id);
      go({ page: 'datasets' });
    } catch (err) {
      setConfirming(false);
      setMessage({ text: errorText(err), error: true });
    }
  };

  return (
    <section aria-labelledby="manage-title">
      <h3 id="manage-title">Share and delete</h3>
      <div className="manage">
        <form className="form-row" onSubmit={(e) => void share(e)}>
          <label className="grow">
            Share with (email)
            <input name="email" type="email" required maxLength={320} />
          </label>
          <button type="submit" className="btn">
            Share
          </button>
        </form>
        <div className="dataset-actions">
          {confirming ? (
            <>
              <span>Delete “{dataset.display_name}” with all its media, thumbnails and vectors?</span>
              <button type="button" className="btn btn-danger" onClick={() => void remove()}>
                Yes, delete
              </button>
              <button type="button" className="btn btn-ghost" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </>
          ) : (
            <button type="button" className="btn btn-danger-outline" onClick={() => setConfirming(true)}>
              Delete dataset…
            </button>
          )}
        </div>
      </div>
      <OutcomeNote outcome={message} />
    </section>
  );
}
