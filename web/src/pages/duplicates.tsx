import { useCallback, useEffect, useState } from 'react';
import { mediaName } from '../../../src/client/index.ts';
import { client, type Dataset, type DuplicateGroup, type GroupMedia } from '../client.ts';
import { PathName } from '../components/path-name.tsx';
import { notIndexedNote } from '../components/status.tsx';
import { VirtualList } from '../components/virtual-list.tsx';
import { countOf, formatBytes, formatCount } from '../lib/format.ts';
import { Link, useNav } from '../lib/router.tsx';
import { duplicateLevels } from '../lib/routes.ts';
import { keeperOf, restOf, selectionCsv } from '../lib/selection.ts';
import { paintTimed } from '../lib/paint-timing.ts';
import { usePages } from '../lib/use-pages.ts';
import { errorText } from '../lib/error-text.ts';

const PAGE_SIZE = 20;
const ROW_HEIGHT = 236;

/**
 * Duplicate groups, largest first, one row each, at the level of the slider. "Keep one" marks
 * the best copy of a group and selects the rest; the selection downloads as CSV.
 */
export function DuplicatesTab({ dataset, level }: { dataset: Dataset; level: number }) {
  const { go } = useNav();
  // Keyed by status too: groups opened while indexing are fetched again once it has ended.
  const groups = usePages<DuplicateGroup>(`${dataset.id}@${level}/${dataset.status_new}`, PAGE_SIZE, async (page) => {
    const r = await client.duplicateGroups(dataset.id, { threshold: level, pageNumber: page, pageSize: PAGE_SIZE });
    return { items: r.groups, total: r.total };
  });
  const [selected, setSelected] = useState<Map<string, GroupMedia>>(new Map());
  const [focus, setFocus] = useState(0);
  useEffect(() => setFocus(0), [level]);

  const setLevel = (l: number) => go({ page: 'dataset', id: dataset.id, view: { tab: 'duplicates', level: l } }, { replace: true });
  const levelIndex = duplicateLevels.indexOf(level as (typeof duplicateLevels)[number]);

  const update = useCallback((change: (next: Map<string, GroupMedia>) => void) => {
    setSelected((s) => {
      const next = new Map(s);
      change(next);
      return next;
    });
  }, []);
  const keepOne = (g: DuplicateGroup) =>
    update((next) => {
      g.media.forEach((m) => next.delete(m.media_id));
      restOf(g.media).forEach((m) => next.set(m.media_id, m));
    });
  const clearGroup = (g: DuplicateGroup) => update((next) => g.media.forEach((m) => next.delete(m.media_id)));
  const toggle = (m: GroupMedia) => update((next) => (next.has(m.media_id) ? next.delete(m.media_id) : next.set(m.media_id, m)));
  const keepOneEverywhere = () => update((next) => groups.items.forEach((g) => restOf(g.media).forEach((m) => next.set(m.media_id, m))));

  const exportSelection = () => {
    const blob = new Blob([selectionCsv(selected.values())], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${dataset.display_name}-duplicates-${level}.csv`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  const total = groups.total ?? 0;
  const onKey = (e: React.KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'INPUT') return;
    const g = groups.items.get(focus);
    if (e.key === 'j' || e.key === 'ArrowDown') setFocus((f) => Math.min(total - 1, f + 1));
    else if (e.key === 'k' || e.key === 'ArrowUp') setFocus((f) => Math.max(0, f - 1));
    else if (e.key === 'x' && g) keepOne(g);
    else if (e.key === 'u' && g) clearGroup(g);
    else return;
    e.preventDefault();
  };

  return (
    <div className="tab-pane" onKeyDown={onKey}>
      <div className="toolbar">
        <label className="slider">
          <span>
            Level <strong>{level === 1 ? '1.0' : String(level)}</strong>
          </span>
          <input
            type="range"
            min={0}
            max={duplicateLevels.length - 1}
            step={1}
            value={Math.max(0, levelIndex)}
            aria-valuetext={String(level)}
            onChange={(e) => setLevel(duplicateLevels[Number(e.target.value)]!)}
          />
        </label>
        <span className="muted small" aria-live="polite">
          {groups.total === null ? 'Loading…' : countOf(total, 'group')}
        </span>
        <span className="spacer" />
        <span className="small">{formatCount(selected.size)} selected</span>
        <button type="button" className="btn" onClick={keepOneEverywhere} disabled={groups.items.size === 0} title="In every loaded group, keep the best copy and select the rest">
          Keep one in all loaded
        </button>
        <button type="button" className="btn" onClick={() => setSelected(new Map())} disabled={selected.size === 0}>
          Clear
        </button>
        <button type="button" className="btn btn-primary" onClick={exportSelection} disabled={selected.size === 0}>
          Export CSV
        </button>
      </div>
      {groups.error && <p className="error pad">{errorText(groups.error)}</p>}
      {groups.total === 0 && <p className="empty pad">No duplicates at this level{notIndexedNote(dataset)}.</p>}
      {/* Keys for groups, shown when there are groups. */}
      {total > 0 && (
        <p className="hint small muted">
          <kbd>j</kbd>/<kbd>k</kbd> move between groups · <kbd>x</kbd> keep one, select the rest · <kbd>u</kbd> clear the group
        </p>
      )}
      <VirtualList
        label="Duplicate groups"
        count={total}
        rowHeight={ROW_HEIGHT}
        onRange={groups.want}
        scrollTo={focus}
        renderRow={(i) => {
          const g = groups.items.get(i);
          if (!g) return <div className="group group-loading" aria-busy="true" />;
          return <GroupRow datasetId={dataset.id} group={g} index={i} focused={i === focus} selected={selected} onKeep={keepOne} onClear={clearGroup} onToggle={toggle} onFocus={() => setFocus(i)} />;
        }}
      />
    </div>
  );
}

interface RowProps {
  datasetId: string;
  group: DuplicateGroup;
  index: number;
  focused: boolean;
  selected: Map<string, GroupMedia>;
  onKeep(g: DuplicateGroup): void;
  onClear(g: DuplicateGroup): void;
  onToggle(m: GroupMedia): void;
  onFocus(): void;
}

function GroupRow({ datasetId, group, index, focused, selected, onKeep, onClear, onToggle, onFocus }: RowProps) {
  const keeper = keeperOf(group.media);
  return (
    <div className={`group${focused ? ' group-focused' : ''}`} role="listitem" aria-label={`Group ${index + 1}, ${countOf(group.size, 'image')}`} onClick={onFocus}>
      <div className="group-head">
        <span className="group-title">
          Group {index + 1} <span className="muted">· {countOf(group.size, 'image')}</span>
        </span>
        <button type="button" className="btn btn-small" onClick={() => onKeep(group)}>
          Keep one, select the rest
        </button>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => onClear(group)}>
          Clear
        </button>
      </div>
      <ul className="strip">
        {group.media.map((m) => {
          const isSelected = selected.has(m.media_id);
          return (
            <li key={m.media_id} className={`thumb-card${isSelected ? ' is-selected' : ''}`}>
              <label className="thumb-select">
                <input type="checkbox" checked={isSelected} onChange={() => onToggle(m)} aria-label={`Select ${mediaName(m)}`} />
                <img src={m.media_thumb_uri} alt={mediaName(m)} loading="lazy" decoding="async" width={160} height={120} {...paintTimed} />
                {m === keeper && <span className="tag tag-keep">keep</span>}
              </label>
              <Link className="thumb-name" title={mediaName(m)} to={{ page: 'dataset', id: datasetId, view: { tab: 'media', mediaId: m.media_id } }}>
                <PathName name={mediaName(m)} />
              </Link>
              <span className="thumb-meta muted">
                {m.width}×{m.height} · {formatBytes(m.file_size)}
              </span>
            </li>
          );
        })}
        {group.size > group.media.length && <li className="more muted small">+{formatCount(group.size - group.media.length)} more</li>}
      </ul>
    </div>
  );
}
