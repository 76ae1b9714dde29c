import { useCallback } from 'react';
import { rankedScoreOf } from '../../../src/client/index.ts';
import { client, type Dataset } from '../client.ts';
import { MediaGrid } from '../components/media-grid.tsx';
import { notIndexedNote } from '../components/status.tsx';
import { Link, useNav } from '../lib/router.tsx';
import { issueLabels } from '../lib/issue-labels.ts';
import { issueKinds, type IssueKind } from '../lib/routes.ts';

const PAGE_SIZE = 200;


/** Images with an issue (or the most unique ones), highest confidence first, above the slider. */
export function IssuesTab({ dataset, issue, min }: { dataset: Dataset; issue: IssueKind; min: number }) {
  const { go } = useNav();
  const fetchPage = useCallback(
    async (page: number) => {
      const r = await client.listMedia(dataset.id, { issue, minConfidence: min, pageNumber: page, pageSize: PAGE_SIZE });
      return { items: r.media, total: r.total };
    },
    [dataset.id, issue, min],
  );
  const setMin = (value: number) => go({ page: 'dataset', id: dataset.id, view: { tab: 'issues', issue, min: value } }, { replace: true });
  return (
    <div className="tab-pane">
      <div className="toolbar">
        <div className="segmented" role="group" aria-label="Issue">
          {issueKinds.map((kind) => (
            <Link key={kind} to={{ page: 'dataset', id: dataset.id, view: { tab: 'issues', issue: kind, min } }} aria-current={kind === issue ? 'true' : undefined}>
              {issueLabels[kind]}
            </Link>
          ))}
        </div>
        <label className="slider">
          <span>
            {issue === 'uniqueness' ? 'Uniqueness' : 'Confidence'} ≥ <strong>{min.toFixed(2)}</strong>
          </span>
          <input type="range" min={0} max={1} step={0.05} value={min} onChange={(e) => setMin(Number(e.target.value))} />
        </label>
      </div>
      <MediaGrid
        queryKey={`${dataset.id}/${issue}/${min}/${dataset.status_new}`}
        pageSize={PAGE_SIZE}
        fetchPage={fetchPage}
        caption={(m) => `${issue === 'uniqueness' ? 'uniqueness' : 'confidence'} ${rankedScoreOf(m, issue)?.toFixed(2) ?? '—'}`}
        routeOf={(m) => ({ page: 'dataset', id: dataset.id, view: { tab: 'media', mediaId: m.media_id } })}
        label={`${issueLabels[issue]} images`}
        empty={`No images at this confidence${notIndexedNote(dataset)}.`}
      />
    </div>
  );
}
