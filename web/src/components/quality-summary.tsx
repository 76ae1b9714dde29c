import { client, type Dataset } from '../client.ts';
import { countOf } from '../lib/format.ts';
import { errorText } from '../lib/error-text.ts';
import { issueLabels } from '../lib/issue-labels.ts';
import { Link } from '../lib/router.tsx';
import { DEFAULT_LEVEL, DEFAULT_MIN, issueKinds, type IssueKind, type Route } from '../lib/routes.ts';
import { useAsync } from '../lib/use-async.ts';

/** Thumbnails a card shows: the most confident flagged images, or the largest duplicate group's first members. */
const SHOWN = 4;

interface Finding {
  key: string;
  title: string;
  count: string;
  thumbs: { media_id: string; media_thumb_uri: string }[];
  to: Route;
}

/**
 * What the dataset's checks found, one card a finding, each opening its view: the duplicate
 * groups at the default level, then every issue at the Issues tab's default confidence. Read
 * from the listings those tabs use (a page of 4 gives the total and the examples), fetched
 * again when the dataset's status changes, as after a reindex.
 */
export function QualitySummary({ dataset }: { dataset: Dataset }) {
  const findings = useAsync(() => findingsOf(dataset.id), [dataset.id, dataset.status_new]);
  return (
    <section className="quality" aria-labelledby="quality-title">
      <h3 id="quality-title">What the checks found</h3>
      <p className="muted small">
        Duplicates at level {DEFAULT_LEVEL}; issues at confidence ≥ {DEFAULT_MIN}, the most confident first.
      </p>
      {findings.error && <p className="error">{errorText(findings.error)}</p>}
      {!findings.data && !findings.error && <p className="muted">Loading…</p>}
      {findings.data && (
        <ul className="quality-grid">
          {findings.data.map((f) => (
            <li key={f.key}>
              <Link to={f.to} className="quality-card">
                {f.thumbs.length === 0 ? (
                  <span className="mosaic quality-none">Nothing found</span>
                ) : (
                  <span className={`mosaic mosaic-${f.thumbs.length}`}>
                    {f.thumbs.map((m) => (
                      <img key={m.media_id} src={m.media_thumb_uri} alt="" loading="lazy" decoding="async" />
                    ))}
                  </span>
                )}
                <span className="quality-title">{f.title}</span>
                <span className="muted small">{f.count}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

async function findingsOf(datasetId: string): Promise<Finding[]> {
  const kinds = issueKinds.filter((k): k is Exclude<IssueKind, 'uniqueness'> => k !== 'uniqueness');
  const [groups, ...flagged] = await Promise.all([
    client.duplicateGroups(datasetId, { threshold: DEFAULT_LEVEL, pageSize: 1 }),
    ...kinds.map((issue) => client.listMedia(datasetId, { issue, minConfidence: DEFAULT_MIN, pageSize: SHOWN })),
  ]);
  const biggest = groups.groups[0];
  return [
    {
      key: 'duplicates',
      title: 'Duplicates',
      count: countOf(groups.total, 'group'),
      thumbs: (biggest?.media ?? []).slice(0, SHOWN),
      to: { page: 'dataset', id: datasetId, view: { tab: 'duplicates', level: DEFAULT_LEVEL } },
    },
    ...kinds.map((issue, i) => ({
      key: issue,
      title: issueLabels[issue],
      count: countOf(flagged[i]!.total, 'image'),
      thumbs: flagged[i]!.media,
      to: { page: 'dataset' as const, id: datasetId, view: { tab: 'issues' as const, issue, min: DEFAULT_MIN } },
    })),
  ];
}
