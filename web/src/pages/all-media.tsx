import { useCallback } from 'react';
import { client, type Dataset } from '../client.ts';
import { MediaGrid } from '../components/media-grid.tsx';
import { notIndexedNote } from '../components/status.tsx';
import { countOf } from '../lib/format.ts';

/** The media listing's largest pages are 1,000; 200 fills a laptop screen several times over. */
const PAGE_SIZE = 200;

/** Every image and video frame of the dataset, in the listing's stable order. */
export function AllMediaTab({ dataset }: { dataset: Dataset }) {
  const fetchPage = useCallback(
    async (page: number) => {
      const r = await client.listMedia(dataset.id, { pageNumber: page, pageSize: PAGE_SIZE });
      return { items: r.media, total: r.total };
    },
    [dataset.id],
  );
  return (
    <div className="tab-pane">
      <div className="toolbar">
        <h2 className="toolbar-title">All media</h2>
        <span className="muted small">
          {countOf(dataset.n_images, 'image')}
          {dataset.n_videos > 0 ? `, ${countOf(dataset.processing?.n_frames ?? 0, 'frame')} of ${countOf(dataset.n_videos, 'video')}` : ''}
        </span>
      </div>
      <MediaGrid
        // Loaded again when the status changes: indexing that ends, or a batch of media added.
        queryKey={`${dataset.id}/${dataset.status_new}`}
        pageSize={PAGE_SIZE}
        fetchPage={fetchPage}
        routeOf={(m) => ({ page: 'dataset', id: dataset.id, view: { tab: 'media', mediaId: m.media_id } })}
        label="All media"
        empty={`No images${notIndexedNote(dataset)}.`}
        // Images and video frames together.
        noun="item"
      />
    </div>
  );
}
