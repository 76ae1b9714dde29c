import { useState } from 'react';
import { client, thumbnailUrl, type Dataset, type MediaDetail } from '../client.ts';
import { mediaName } from '../../../src/client/index.ts';
import { clusterName, granularities } from './clusters.tsx';
import { browseOf, step } from '../lib/browse.ts';
import { formatBytes, formatCount } from '../lib/format.ts';
import { Link, useNav } from '../lib/router.tsx';
import { datasetTab, type Route } from '../lib/routes.ts';
import { useAsync } from '../lib/use-async.ts';
import { errorText } from '../lib/error-text.ts';
import { usePageKeys } from '../lib/page-keys.ts';

const NEIGHBOURS = 12;

/** One image: the picture, its metadata, EXIF, scores, issues, duplicates and nearest neighbours. */
export function MediaTab({ dataset, mediaId }: { dataset: Dataset; mediaId: string }) {
  const detail = useAsync(() => client.getMedia(dataset.id, mediaId), [dataset.id, mediaId]);
  return (
    <>
      <BrowseBar datasetId={dataset.id} mediaId={mediaId} />
      {detail.error ? <p className="error pad">{errorText(detail.error)}</p> : !detail.data ? <p className="muted pad">Loading…</p> : <MediaView dataset={dataset} media={detail.data} />}
    </>
  );
}

/** Back to the gallery the image was opened from (Esc), and its previous and next images (← →). */
function BrowseBar({ datasetId, mediaId }: { datasetId: string; mediaId: string }) {
  const { go } = useNav();
  const browse = browseOf(mediaId);
  const back = browse?.from ?? datasetTab(datasetId, 'all-media');
  const move = async (delta: number) => {
    const next = browse && (await step(browse, delta));
    // Stepping replaces the image in the history: Back leaves the image for the gallery.
    if (next) go(mediaRoute(datasetId, next), { replace: true });
  };
  usePageKeys({ Escape: () => go(back), ArrowLeft: () => void move(-1), ArrowRight: () => void move(1) });
  return (
    <nav className="toolbar" aria-label="Browse">
      <Link to={back} className="btn btn-ghost">
        ← {browse?.label ?? 'All media'}
      </Link>
      {browse && (
        <>
          <button type="button" className="btn" disabled={browse.index === 0} onClick={() => void move(-1)}>
            ‹ Previous
          </button>
          <span className="muted small" aria-live="polite">
            {formatCount(browse.index + 1)} of {formatCount(browse.total)}
          </span>
          <button type="button" className="btn" disabled={browse.index >= browse.total - 1} onClick={() => void move(1)}>
            Next ›
          </button>
          <span className="hint muted small">
            <kbd>←</kbd> <kbd>→</kbd> previous, next · <kbd>Esc</kbd> back
          </span>
        </>
      )}
    </nav>
  );
}

/** Each score's name on the page, and what it measures (shown on hover). */
const scoreNames: Record<keyof MediaDetail['scores'], [string, string]> = {
  uniqueness: ['uniqueness', "Distance to its closest image against the dataset's own spread: 0 with an exact copy, 1 as isolated as the most isolated 5 %"],
  max_similarity: ['closest match', "The similarity level of its closest image, on the Duplicates tab's scale: from 0.96 up, a copy"],
  outlier: ['outlier score', 'Mean distance to its nearest images; the outlier issue weighs it against the rest of the dataset'],
  blur: ['blur', 'How little sharp detail it has where it has structure'],
  dark: ['dark', 'How dark it is, shadows crushed'],
  bright: ['bright', 'How bright it is, highlights clipped'],
  low_information: ['low information', 'How little there is to see: a blank or nearly flat picture'],
  grayscale: ['grayscale', 'How nearly colourless it is'],
};

/**
 * The picture at full size; when its original cannot be read (the file moved or deleted at its
 * source, or its folder no longer an import root), its thumbnail, with the server's reason.
 */
function OriginalImage({ media }: { media: MediaDetail }) {
  const [failure, setFailure] = useState<string | null>(null);
  const onError = async () => {
    const res = await fetch(media.media_uri).catch(() => null);
    const body = res && !res.ok ? ((await res.json().catch(() => null)) as { detail?: string } | null) : null;
    setFailure(body?.detail ?? 'The original could not be loaded');
  };
  if (failure !== null) {
    return (
      <div className="media-image">
        <img src={media.media_thumb_uri} alt={media.file_name} />
        <p className="error small pad">{failure}: this is its thumbnail.</p>
      </div>
    );
  }
  return (
    <a href={media.media_uri} target="_blank" rel="noreferrer" className="media-image">
      <img src={media.media_uri} alt={media.file_name} onError={onError} />
    </a>
  );
}

const mediaRoute = (id: string, mediaId: string): Route => ({ page: 'dataset', id, view: { tab: 'media', mediaId } });

function MediaView({ dataset, media }: { dataset: Dataset; media: MediaDetail }) {
  const id = dataset.id;
  const dups = useAsync(() => client.mediaDuplicates(id, media.media_id, { threshold: 0.96 }), [id, media.media_id]);
  const near = useAsync(() => client.explore(id, { anchorMediaId: media.media_id, anchorType: 'MEDIA' }), [id, media.media_id]);
  const neighbours = (near.data?.clusters ?? []).flatMap((c) => c.previews.slice(0, 1)).filter((m) => m.media_id !== media.media_id).slice(0, NEIGHBOURS);
  const exif = Object.entries(media.exif ?? {}).filter(([, v]) => v !== null && typeof v !== 'object');
  // A frame's bytes are a still of its video, not the video: named as a file of their own format.
  const frame = media.type === 'VIDEO_FRAME';
  const downloadName = frame ? `${media.file_name}-frame-${media.frame_index}.${media.format === 'jpeg' ? 'jpg' : media.format}` : media.file_name;

  return (
    <div className="media-page">
      <div className="media-main">
        <h2 className="media-title">{mediaName(media)}</h2>
        <OriginalImage key={media.media_id} media={media} />
        <div className="form-row">
          <Link className="btn btn-primary" to={{ page: 'dataset', id, view: { tab: 'search', anchor: media.media_id, anchorType: 'MEDIA' } }}>
            Find similar
          </Link>
          <a className="btn" href={media.media_uri} download={downloadName}>
            {frame ? 'Download frame' : 'Download original'}
          </a>
        </div>
        <section aria-labelledby="dups-title">
          <h3 id="dups-title">Duplicates at 0.96 {dups.data && <span className="muted">({dups.data.length})</span>}</h3>
          {dups.data?.length === 0 && <p className="muted small">None.</p>}
          <ul className="thumb-row">
            {dups.data?.map((d) => (
              <li key={d}>
                <Link to={mediaRoute(id, d)} aria-label={`Duplicate ${d}`}>
                  <img src={thumbnailUrl(id, d)} alt="" loading="lazy" />
                </Link>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="near-title">
          <h3 id="near-title">Nearest neighbours</h3>
          <ul className="thumb-row">
            {neighbours.map((m) => (
              <li key={m.media_id}>
                <Link to={mediaRoute(id, m.media_id)} title={m.file_name}>
                  <img src={m.media_thumb_uri} alt={m.file_name} loading="lazy" />
                  {/* Labelled as on the Search tab: a bare 0.084 reads as a similarity as easily as a distance. */}
                  {m.relevance_score !== undefined && <span className="small muted">distance {m.relevance_score.toFixed(3)}</span>}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      </div>
      <aside className="media-facts" aria-label="Details">
        <h3>File</h3>
        <dl className="facts">
          <dt>Size</dt>
          <dd>{formatBytes(media.file_size)}</dd>
          <dt>Dimensions</dt>
          <dd>
            {media.width}×{media.height}
          </dd>
          <dt>Format</dt>
          <dd>{media.format ?? '—'}</dd>
          <dt>Type</dt>
          <dd>{media.type}</dd>
          {frame && media.frame_timestamp != null && (
            <>
              <dt>Frame</dt>
              <dd>{Number(media.frame_timestamp.toFixed(2))} s into the video</dd>
            </>
          )}
          {/* A path is too long to share a line with its label: it has the panel's width. */}
          <dt className="facts-wide">Source</dt>
          <dd className="facts-wide mono wrap">{media.original_uri}</dd>
        </dl>
        <h3>Scores</h3>
        <p className="muted small">Higher means more so; hover a name for what it measures. The issues below are raised from confidences of their own.</p>
        <dl className="facts">
          {(Object.keys(scoreNames) as (keyof MediaDetail['scores'])[]).map((k) => (
            <div key={k} className="contents">
              <dt title={scoreNames[k][1]}>{scoreNames[k][0]}</dt>
              <dd>{media.scores[k] === null ? '—' : media.scores[k].toFixed(3)}</dd>
            </div>
          ))}
        </dl>
        <h3>Issues</h3>
        {media.issues.length === 0 && <p className="muted small">None.</p>}
        <ul className="issue-list">
          {media.issues.map((i) => (
            <li key={i.issue_type}>
              <strong>{i.issue_type}</strong> <span className="muted">confidence {i.confidence.toFixed(2)}</span>
              <div className="small muted mono">{Object.entries(i.reason).map(([k, v]) => `${k}: ${String(v)}`).join(' · ')}</div>
            </li>
          ))}
        </ul>
        {media.clusters && (
          <>
            <h3>Clusters</h3>
            <p className="small">
              {media.clusters.map((c) => (
                <Link key={c} className="chip" to={{ page: 'dataset', id, view: { tab: 'cluster', clusterId: c } }}>
                  {granularities[Number(c.split('-')[0])]}: {clusterName(c)}
                </Link>
              ))}
            </p>
          </>
        )}
        {exif.length > 0 && (
          <>
            <h3>EXIF</h3>
            <dl className="facts">
              {exif.map(([k, v]) => (
                <div key={k} className="contents">
                  <dt>{k}</dt>
                  <dd className="wrap">{String(v)}</dd>
                </div>
              ))}
            </dl>
          </>
        )}
      </aside>
    </div>
  );
}
