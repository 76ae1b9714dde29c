import { useState } from 'react';
import { client, type Dataset } from '../client.ts';
import { formatCount } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { errorText } from '../lib/error-text.ts';

const PAGE = 50;

/** The dataset's per-item failures with their reasons, a page at a time. */
export function Failures({ dataset }: { dataset: Dataset }) {
  const [offset, setOffset] = useState(0);
  const failed = dataset.processing?.failed ?? 0;
  const page = useAsync(() => client.listErrors(dataset.id, { offset, limit: PAGE }), [dataset.id, offset, failed]);
  if (page.error) return <p className="error">{errorText(page.error)}</p>;
  if (!page.data || page.data.total === 0) return null;
  const { errors: items, total } = page.data;
  return (
    <section aria-labelledby="failures-title">
      <h3 id="failures-title">
        Failures <span className="muted">({formatCount(total)})</span>
      </h3>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Stage</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {items.map((f, i) => (
            <tr key={`${offset + i}`}>
              <td className="mono wrap" title={f.original_uri}>
                {f.file_name}
              </td>
              <td>{f.stage}</td>
              <td>{f.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > PAGE && (
        <div className="pager">
          <button type="button" className="btn" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Previous
          </button>
          <span className="muted small">
            {offset + 1}–{Math.min(total, offset + PAGE)} of {formatCount(total)}
          </span>
          <button type="button" className="btn" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
            Next
          </button>
        </div>
      )}
    </section>
  );
}
