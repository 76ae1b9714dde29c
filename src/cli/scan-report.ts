import type { ReportIssue, ReportItem, ScanFindings } from './scan-findings.ts';
import { countOf } from './output.ts';

/** How much the report shows; past these it says how many more there are (see the JSON/CSV for all). */
export const REPORT_LIMITS = { groups: 200, outliers: 100, issues: 500 } as const;

export interface ReportInput {
  source: string;
  scannedAt: string;
  seconds: number;
  failures: number;
  findings: ScanFindings;
  /** Thumbnail of each shown item as a data: URI, so the file needs nothing beside it. */
  thumbnails: ReadonlyMap<string, string>;
}

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The items the report shows, whose thumbnails it embeds. */
export function shownItems(f: ScanFindings): ReportItem[] {
  return [
    ...f.groups.slice(0, REPORT_LIMITS.groups).flat(),
    ...f.outliers.slice(0, REPORT_LIMITS.outliers).map((i) => i.item),
    ...f.issues.slice(0, REPORT_LIMITS.issues).map((i) => i.item),
  ];
}

function thumb(item: ReportItem, thumbnails: ReadonlyMap<string, string>): string {
  const src = thumbnails.get(item.mediaId);
  return src ? `<img src="${esc(src)}" alt="${esc(item.fileName)}" loading="lazy">` : '<div class="nothumb">no thumbnail</div>';
}

function figure(item: ReportItem, thumbnails: ReadonlyMap<string, string>, note = ''): string {
  const size = item.width !== null ? `${item.width}×${item.height}` : '';
  return `<figure data-media-id="${esc(item.mediaId)}" title="${esc(item.originalUri)}">${thumb(item, thumbnails)}<figcaption><span class="name">${esc(item.fileName)}</span><span class="meta">${esc([size, note].filter(Boolean).join(' · '))}</span></figcaption></figure>`;
}

const more = (total: number, shown: number) => (total > shown ? `<p class="more">${total - shown} more not shown: see the JSON or CSV output.</p>` : '');

function reasonText(reason: Record<string, unknown>): string {
  return Object.entries(reason)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k.replaceAll('_', ' ')} ${typeof v === 'number' ? Number(v.toFixed(4)) : v}`)
    .join(', ');
}

function summary({ findings: f, failures, seconds }: ReportInput): string {
  const rows: Array<[string, string | number]> = [
    ['Images', f.images],
    ['Videos (frames)', `${f.videos} (${f.frames})`],
    ['Failed files', failures],
    ['Outliers (candidates)', `${f.issueCounts.outliers} (${f.outlierCandidates})`],
    ['Blurry', f.issueCounts.blur],
    ['Dark', f.issueCounts.dark],
    ['Bright', f.issueCounts.bright],
    ['Low information', f.issueCounts.low_information],
    ['Odd aspect ratio', f.issueCounts.odd_aspect_ratio],
    ['Odd size', f.issueCounts.odd_size],
    ['Grayscale', f.issueCounts.grayscale],
    ...(f.issueCounts.mislabels > 0 ? [['Mislabels', f.issueCounts.mislabels] as [string, number]] : []),
    ['Time', `${seconds.toFixed(1)} s`],
  ];
  const levels = f.duplicates.map((d) => `<tr><td>${d.level}</td><td>${d.groups}</td><td>${d.items}</td></tr>`).join('');
  return `<section id="summary"><h2>Summary</h2><table class="counts">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>
<table class="levels"><thead><tr><th>Similarity level</th><th>Duplicate groups</th><th>Items in them</th></tr></thead><tbody>${levels}</tbody></table></section>`;
}

function groupsSection({ findings: f, thumbnails }: ReportInput): string {
  const shown = f.groups.slice(0, REPORT_LIMITS.groups);
  const body = shown
    .map((g, i) => `<div class="group" data-level="0.96"><h3>Group ${i + 1} · ${countOf(g.length, 'item')}</h3><div class="strip">${g.map((m) => figure(m, thumbnails)).join('')}</div></div>`)
    .join('');
  return `<section id="duplicates"><h2>Duplicate groups (similarity ≥ 0.96)</h2>${body || '<p>No duplicates.</p>'}${more(f.groups.length, shown.length)}</section>`;
}

function outliersSection({ findings: f, thumbnails }: ReportInput): string {
  const shown = f.outliers.slice(0, REPORT_LIMITS.outliers);
  const body = shown.map((o) => figure(o.item, thumbnails, `confidence ${o.confidence}`)).join('');
  return `<section id="outliers"><h2>Outliers and candidates</h2>${body ? `<div class="strip">${body}</div>` : '<p>No outliers.</p>'}${more(f.outliers.length, shown.length)}</section>`;
}

function issuesSection({ findings: f, thumbnails }: ReportInput): string {
  const shown: ReportIssue[] = f.issues.slice(0, REPORT_LIMITS.issues);
  const rows = shown
    .map((i) => `<tr data-issue="${esc(i.type)}" data-media-id="${esc(i.item.mediaId)}"><td>${thumb(i.item, thumbnails)}</td><td>${esc(i.item.fileName)}</td><td>${esc(i.type)}</td><td class="num">${i.confidence.toFixed(3)}</td><td>${esc(reasonText(i.reason))}</td></tr>`)
    .join('');
  const table = `<table class="issues"><thead><tr><th></th><th>File</th><th>Issue</th><th>Confidence</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>`;
  return `<section id="issues"><h2>Issues, most confident first</h2>${rows ? table : '<p>No issues.</p>'}${more(f.issues.length, shown.length)}</section>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1b1f24;background:#fafafa}h1{font-size:1.5rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.25rem .6rem;text-align:left;border-bottom:1px solid #eee}.num{text-align:right}
.strip{display:flex;flex-wrap:wrap;gap:.5rem}figure{margin:0;width:160px;background:#fff;border:1px solid #ddd;border-radius:4px;overflow:hidden}
figure img,.nothumb{width:160px;height:120px;object-fit:contain;background:#eee;display:block}figcaption{padding:.25rem;font-size:12px;word-break:break-all}
figcaption span{display:block}.meta{color:#666}.group{margin:1rem 0}.issues img{width:64px;height:48px;object-fit:contain}.more{color:#666}`;

/** A self-contained HTML report: inline style, thumbnails as data: URIs, no script, nothing fetched. */
export function renderReport(input: ReportInput): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>Strata scan: ${esc(input.source)}</title><style>${STYLE}</style></head>
<body><h1>Strata scan of ${esc(input.source)}</h1><p>Scanned ${esc(input.scannedAt)} UTC.</p>
${summary(input)}${groupsSection(input)}${outliersSection(input)}${issuesSection(input)}
</body></html>
`;
}
