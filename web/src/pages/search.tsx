import { useCallback, useEffect, useRef, useState, type DragEvent, type PointerEvent } from 'react';
import { client, thumbnailUrl, type Dataset } from '../client.ts';
import { MediaGrid } from '../components/media-grid.tsx';
import { boxInPixels, type Point } from '../lib/box.ts';
import { useNav } from '../lib/router.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { notIndexedYet } from '../components/status.tsx';
import { errorText } from '../lib/error-text.ts';

const PAGE_SIZE = 100;

/**
 * Similarity search: from an image of the dataset (its "Find similar"), or from an image
 * dropped here, optionally only the part inside a box drawn on it. Results are ranked by
 * cosine distance, closest first.
 */
export function SearchTab({ dataset, anchor, anchorType }: { dataset: Dataset; anchor: string | null; anchorType: 'MEDIA' | 'UPLOAD' }) {
  const fetchPage = useCallback(
    async (page: number) => {
      const r = await client.explore(dataset.id, { anchorMediaId: anchor!, anchorType, pageNumber: page });
      return { items: r.clusters.flatMap((c) => c.previews.slice(0, 1)), total: r.metadata.total_clusters };
    },
    [dataset.id, anchor, anchorType],
  );
  return (
    <div className="tab-pane">
      <QueryImage dataset={dataset} anchor={anchor} anchorType={anchorType} />
      {anchor !== null && (
        <MediaGrid
          queryKey={`${dataset.id}/${anchorType}/${anchor}`}
          pageSize={PAGE_SIZE}
          fetchPage={fetchPage}
          caption={(m) => `distance ${m.relevance_score?.toFixed(4) ?? '—'}`}
          routeOf={(m) => ({ page: 'dataset', id: dataset.id, view: { tab: 'media', mediaId: m.media_id } })}
          label="Similar images, closest first"
          empty="No similar images."
        />
      )}
    </div>
  );
}

function QueryImage({ dataset, anchor, anchorType }: { dataset: Dataset; anchor: string | null; anchorType: 'MEDIA' | 'UPLOAD' }) {
  const { go } = useNav();
  const [file, setFile] = useState<File | null>(null);
  const [box, setBox] = useState<[number, number, number, number] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [dragging, setDragging] = useState(false);
  // The server refuses to search a dataset not indexed yet (409): say so before, not after.
  const waiting = notIndexedYet(dataset);
  useEffect(() => setError(null), [waiting]);

  const choose = (f: File | undefined) => {
    if (!f) return;
    setFile(f);
    setBox(null);
    setError(null);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    choose(e.dataTransfer.files[0]);
  };
  const search = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const { anchor_media_id } = await client.searchImageSimilarity(dataset.id, { name: file.name, data: file }, box === null ? {} : { boundingBox: box });
      go({ page: 'dataset', id: dataset.id, view: { tab: 'search', anchor: anchor_media_id, anchorType: 'UPLOAD' } });
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      className={`search-query${dragging ? ' is-dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      {file ? (
        <BoxPicker file={file} box={box} onBox={setBox} />
      ) : anchor !== null && anchorType === 'MEDIA' ? (
        <img className="query-thumb" src={thumbnailUrl(dataset.id, anchor)} alt="The image searched with" />
      ) : null}
      <div className="search-actions">
        <p className="small">
          {waiting ? (
            <>Search works once the dataset has been indexed.</>
          ) : file ? (
            <>
              Drag on the image to search with a part of it{box ? ` (box ${box.join(', ')})` : ''}.
            </>
          ) : (
            <>Drop an image here, or click “Find similar” on any image of the dataset.</>
          )}
        </p>
        <div className="form-row">
          <label className="btn file-btn">
            Choose an image…
            <input type="file" accept="image/*" className="visually-hidden" onChange={(e) => choose(e.target.files?.[0])} />
          </label>
          {file && (
            <button type="button" className="btn btn-primary" onClick={() => void search()} disabled={busy || waiting}>
              {busy ? 'Searching…' : box ? 'Search with the box' : 'Search'}
            </button>
          )}
          {box && (
            <button type="button" className="btn btn-ghost" onClick={() => setBox(null)}>
              Clear the box
            </button>
          )}
        </div>
        <ErrorNote message={error} />
      </div>
    </div>
  );
}

/** The dropped image with a box the user drags on it. */
function BoxPicker({ file, box, onBox }: { file: File; box: [number, number, number, number] | null; onBox(b: [number, number, number, number] | null): void }) {
  const [url, setUrl] = useState('');
  const img = useRef<HTMLImageElement>(null);
  const [start, setStart] = useState<Point | null>(null);
  const [live, setLive] = useState<Point | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [file]);

  const at = (e: PointerEvent): Point => {
    const r = img.current!.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  const sizes = () => {
    const el = img.current!;
    return [{ width: el.clientWidth, height: el.clientHeight }, { width: el.naturalWidth, height: el.naturalHeight }] as const;
  };
  const shown = (() => {
    if (!img.current) return null;
    const [s, n] = sizes();
    if (start && live) return { left: Math.min(start.x, live.x), top: Math.min(start.y, live.y), width: Math.abs(live.x - start.x), height: Math.abs(live.y - start.y) };
    if (!box) return null;
    return { left: (box[0] * s.width) / n.width, top: (box[1] * s.height) / n.height, width: (box[2] * s.width) / n.width, height: (box[3] * s.height) / n.height };
  })();

  return (
    <div
      className="box-picker"
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        setStart(at(e));
        setLive(at(e));
      }}
      onPointerMove={(e) => start && setLive(at(e))}
      onPointerUp={(e) => {
        if (start) onBox(boxInPixels(start, at(e), ...sizes()));
        setStart(null);
        setLive(null);
      }}
    >
      <img ref={img} src={url} alt={`Query image ${file.name}`} draggable={false} />
      {shown && <span className="box" style={shown} />}
    </div>
  );
}
