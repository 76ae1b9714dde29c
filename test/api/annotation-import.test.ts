import { copyFile, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvFields } from '../../src/media/sources/csv-fields.ts';
import { createDatasetFrom, getJson, waitForDatasetStatus } from '../helpers/client.ts';
import { tempDir } from '../helpers/folders.ts';
import { waitForExport } from '../helpers/exports.ts';
import { storeBackends } from '../helpers/backends.ts';
import { testMediaDir } from '../helpers/test-media.ts';
import { readZip } from '../helpers/zip.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/**
 * Annotations imported at creation (SPEC §4) over darknet's sample photos: labels, captions and
 * boxes become the images' labels, captions and objects; every bad row is a failure of its own
 * with its file and row; an export's labels and objects, imported again, give the same ones.
 */
const PHOTOS = ['dog.jpg', 'horses.jpg', 'person.jpg', 'kite.jpg', 'eagle.jpg', 'giraffe.jpg'];
const BUCKET = 'media';

const backends = storeBackends(BUCKET);

let root: string;
let sizes: Map<string, { width: number; height: number }>;

beforeAll(async () => {
  root = await tempDir('strata-annotations-');
  const darknet = join(await testMediaDir(), 'root/usr/share/darknet/data');
  const folder = join(root, 'photos');
  await mkdir(folder);
  sizes = new Map();
  for (const name of PHOTOS) {
    await copyFile(join(darknet, name), join(folder, name));
    const m = await sharp(join(darknet, name)).metadata();
    sizes.set(name, { width: m.width!, height: m.height! });
  }
  const dog = sizes.get('dog.jpg')!;
  // Image labels as parquet, one label a row, a caption on the dog.
  const images = [
    ['dog.jpg', 'dog', 'A dog beside a bicycle'],
    ['dog.jpg', 'bicycle', null],
    ['horses.jpg', 'horse', null],
    ['person.jpg', 'person', null],
    ['kite.jpg', 'person', null],
    ['eagle.jpg', 'bird', 'Águila sobre el río'],
    ['giraffe.jpg', 'giraffe', null],
    ['cat.jpg', 'cat', null],
    ['horses.jpg', null, null],
  ];
  await writeFile(
    join(folder, 'image_annotations.parquet'),
    new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'filename', data: images.map((r) => r[0]) },
          { name: 'label', data: images.map((r) => r[1]) },
          { name: 'caption', data: images.map((r) => r[2]) },
        ],
      }),
    ),
  );
  // Object boxes as CSV: two good ones, then one of each kind of bad row.
  await writeFile(
    join(folder, 'object_annotations.csv'),
    [
      'filename,col_x,row_y,width,height,label',
      'dog.jpg,120,200,200,330,dog',
      'dog.jpg,100,100,470,300,bicycle',
      `dog.jpg,${dog.width - 50},10,200,100,car`,
      'dog.jpg,10,ten,20,20,dog',
      'dog.jpg,10,10,20,20,',
      'missing.jpg,1,1,5,5,dog',
      'horses.jpg,0,0,300,200,horse',
    ].join('\n'),
  );
  // A manifest in parquet, beside a copy of two photos.
  const listed = join(root, 'listed');
  await mkdir(listed);
  for (const name of ['dog.jpg', 'eagle.jpg']) await copyFile(join(darknet, name), join(listed, name));
  await writeFile(join(listed, 'annotations.json'), '{"images": [');
  await writeFile(join(listed, 'broken.parquet'), 'PAR1 but not really parquet');
  await writeFile(join(listed, 'files.parquet'), new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'file_name', data: ['dog.jpg', 'eagle.jpg', 'gone.jpg'] }] })));
  // Object boxes as parquet, beside a copy of two photos: two good rows, then two bad ones.
  const boxed = join(root, 'boxed');
  await mkdir(boxed);
  for (const name of ['dog.jpg', 'horses.jpg']) await copyFile(join(darknet, name), join(boxed, name));
  const boxes = [
    ['dog.jpg', 120, 200, 200, 330, 'dog'],
    ['horses.jpg', 0, 0, 300, 200, 'horse'],
    ['dog.jpg', 10, 10, 20, 20, null],
    ['gone.jpg', 1, 1, 5, 5, 'dog'],
  ];
  const boxColumns = ['filename', 'col_x', 'row_y', 'width', 'height', 'label'];
  await writeFile(
    join(boxed, 'object_annotations.parquet'),
    new Uint8Array(parquetWriteBuffer({ columnData: boxColumns.map((name, i) => ({ name, data: boxes.map((r) => r[i]) })) })),
  );
  // Media added later through the on-prem route, with labels of their own.
  const more = join(root, 'more');
  await mkdir(more);
  await copyFile(join(darknet, 'scream.jpg'), join(more, 'scream.jpg'));
  // RFC 4180: a quoted caption over two lines with doubled quotes, then a quote never closed.
  await writeFile(
    join(more, 'image_annotations.csv'),
    'filename,label,caption\r\nscream.jpg,painting,"A figure on a bridge,\r\nscreaming ""loudly"""\r\nscream.jpg,"art,\r\nscream.jpg,expressionism,\r\n',
  );
}, 120_000);

describe.each(backends)('annotation import ($name)', (backend) => {
  let t: TestServer;
  let stopBackend: () => Promise<void>;
  let id: string;
  let dataset: any;
  let media: any[];
  const get = (path: string) => getJson(t.url, path, t.admin.token);
  const byName = (name: string) => media.find((m) => m.file_name === name);

  beforeAll(async () => {
    const started = await backend.start();
    stopBackend = started.stop;
    t = await startTestServer({ STRATA_IMPORT_ROOTS: root, ...started.env });
    id = await createDatasetFrom(t.url, t.admin.token, 'annotated', join(root, 'photos'));
    ({ dataset } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000));
    media = (await get(`/api/v1/dataset/${id}/media?page_size=100`)).body.media;
  }, 400_000);
  afterAll(async () => {
    await t?.close();
    await stopBackend?.();
  });

  it('indexes every photo, with the imported objects counted, and the bad rows as failures', () => {
    expect(dataset).toMatchObject({ status_new: 'READY', n_images: PHOTOS.length, n_objects: 3 });
  });

  it('gives each image its imported labels and caption', () => {
    expect(byName('dog.jpg').labels.sort()).toEqual(['bicycle', 'dog']);
    expect(byName('dog.jpg').captions).toEqual(['A dog beside a bicycle']);
    expect(byName('eagle.jpg').labels).toEqual(['bird']);
    expect(byName('horses.jpg').captions).toEqual([]);
  });

  it('makes each good box an object with its box and label, searchable as OBJECTS', async () => {
    const detail = (await get(`/api/v1/dataset/${id}/media/${byName('dog.jpg').media_id}`)).body;
    const boxes = detail.objects.map((o: any) => [o.label, o.confidence, o.bounding_box]).sort((a: any, b: any) => a[0].localeCompare(b[0]));
    expect(boxes).toEqual([
      ['bicycle', 1, { x: 100, y: 100, width: 470, height: 300 }],
      ['dog', 1, { x: 120, y: 200, width: 200, height: 330 }],
    ]);
    const explore = (await get(`/api/v1/explore/${id}?entity_type=OBJECTS&threshold=0`)).body;
    const previews = explore.clusters.flatMap((c: any) => c.previews);
    expect(previews).toHaveLength(3);
    expect(previews.map((p: any) => p.labels?.[0] ?? p.label).sort()).toEqual(['bicycle', 'dog', 'horse']);
  });

  it("sizes an object cluster by the images its objects are in, each image's file once", async () => {
    const fileBytes = async (imageId: string) => (await stat(join(root, 'photos', media.find((m) => m.media_id === imageId).file_name))).size;
    let shared = 0;
    for (const threshold of [0, 4]) {
      const { clusters } = (await get(`/api/v1/explore/${id}?entity_type=OBJECTS&threshold=${threshold}`)).body;
      for (const c of clusters) {
        expect(c.previews).toHaveLength(c.n_objects);
        const images = [...new Set<string>(c.previews.map((p: any) => p.image_id))];
        if (images.length < c.n_objects) shared++;
        const bytes = (await Promise.all(images.map(fileBytes))).reduce((a, b) => a + b, 0);
        expect(c.size_display_value, `cluster ${c.cluster_id} at ${threshold}`).toBe(`${Math.round(bytes / 1024)}KB`);
      }
    }
    // The dog and the bicycle share dog.jpg: at the coarsest level they share a cluster too.
    expect(shared).toBeGreaterThan(0);
  });

  it("gives each cluster its members' labels, the most frequent first, and null to a cluster without any", async () => {
    for (const threshold of [0, 4]) {
      const { clusters } = (await get(`/api/v1/explore/${id}?threshold=${threshold}`)).body;
      for (const c of clusters) {
        // Every cluster of these few photos shows all its members among its previews.
        expect(c.previews).toHaveLength(c.n_images);
        const counts = new Map<string, number>();
        for (const p of c.previews) for (const l of byName(p.file_name).labels as string[]) counts.set(l, (counts.get(l) ?? 0) + 1);
        const expected = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([l]) => l);
        expect(c.labels, `cluster ${c.cluster_id} at ${threshold}`).toEqual(expected.length > 0 ? expected : null);
      }
    }
    const objects = (await get(`/api/v1/explore/${id}?entity_type=OBJECTS&threshold=0`)).body.clusters;
    expect(objects.map((c: any) => c.labels).flat().sort()).toEqual(['bicycle', 'dog', 'horse']);
  });

  it('reports each bad row with its file and row, and keeps the good ones', async () => {
    const errors = (await get(`/api/v1/dataset/${id}/errors`)).body;
    const reasons = errors.map((e: any) => `${e.file_name} | ${e.reason}`).sort();
    expect(reasons).toEqual([
      expect.stringMatching(/^dog\.jpg \| object_annotations\.csv row 4: the box .* is outside the 768×576 image$/),
      'image_annotations.parquet | image_annotations.parquet row 8: unknown file "cat.jpg": no such image in the dataset\'s files',
      'image_annotations.parquet | image_annotations.parquet row 9: missing label',
      'object_annotations.csv | object_annotations.csv row 5: y is not a number: "ten"',
      'object_annotations.csv | object_annotations.csv row 6: missing label',
      'object_annotations.csv | object_annotations.csv row 7: unknown file "missing.jpg": no such image in the dataset\'s files',
    ]);
  });

  it('filters by imported labels with VQL, and flags the only bird among its neighbours as a mislabel candidate', async () => {
    const names = (body: any) => body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name)).sort();
    const vql = encodeURIComponent(JSON.stringify([{ labels: { op: 'one_of', value: ['giraffe', 'bird'] } }]));
    expect(names((await get(`/api/v1/explore/${id}?threshold=0&vql=${vql}`)).body)).toEqual(['eagle.jpg', 'giraffe.jpg']);
    // Case aside, as text search: image labels and object classes alike.
    const anyCase = encodeURIComponent(JSON.stringify([{ labels: { op: 'one_of', value: ['Giraffe', 'BIRD'] } }]));
    expect(names((await get(`/api/v1/explore/${id}?threshold=0&vql=${anyCase}`)).body)).toEqual(['eagle.jpg', 'giraffe.jpg']);
    expect(names((await get(`/api/v1/explore/${id}?threshold=0&labels=Horse`)).body)).toEqual(['horses.jpg']);
    const mislabels = encodeURIComponent(JSON.stringify([{ issues: { op: 'issue', value: 'mislabels', mode: 'in' } }]));
    expect(names((await get(`/api/v1/explore/${id}?threshold=0&vql=${mislabels}`)).body)).toContain('eagle.jpg');
    // The Issues tab's listing ranks them too: most disagreeing first, the confidence each has.
    const ranked = (await get(`/api/v1/dataset/${id}/media?issue=mislabels&min_confidence=0.5`)).body;
    const confidence = (m: any) => m.issues.find((i: any) => i.issue_type === 'mislabels')?.confidence;
    expect(ranked.total).toBe(ranked.media.length);
    expect(ranked.media.map((m: any) => m.file_name)).toContain('eagle.jpg');
    const shown = ranked.media.map(confidence);
    expect(shown.every((c: number) => c >= 0.5)).toBe(true);
    expect(shown).toEqual([...shown].sort((a: number, b: number) => b - a));
    const all = media.filter((m) => (confidence(m) ?? 0) >= 0.5).map((m) => m.file_name).sort();
    expect(ranked.media.map((m: any) => m.file_name).sort()).toEqual(all);
    // The metadata export carries each one's confidence in a column of its own.
    const bytes = (await readZip(await exportZip(t, id, 'parquet'))).get('metadata.parquet')!;
    const rows = (await parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer })) as any[];
    const exported = new Map(rows.map((r) => [r.file_name, r.issue_mislabels]));
    for (const m of media) expect(exported.get(m.file_name), m.file_name).toBe(confidence(m) ?? null);
    expect(exported.get('eagle.jpg')).toBeGreaterThanOrEqual(0.5);
  });

  it('carries the caption into explore previews, media details and VQL fts as a generated one', async () => {
    const previews = (await get(`/api/v1/explore/${id}?threshold=0`)).body.clusters.flatMap((c: any) => c.previews);
    expect(previews.find((p: any) => p.file_name === 'dog.jpg').caption).toBe('A dog beside a bicycle');
    const detail = (await get(`/api/v1/dataset/${id}/media/${byName('dog.jpg').media_id}`)).body;
    expect(detail.metadata_items).toEqual([{ type: 'caption', properties: { caption: 'A dog beside a bicycle', source: 'ANNOTATIONS' } }]);
    const vql = encodeURIComponent(JSON.stringify([{ text: { op: 'fts', value: 'bicycle beside' } }]));
    const found = (await get(`/api/v1/explore/${id}?threshold=0&vql=${vql}`)).body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name));
    expect(found).toEqual(['dog.jpg']);
    // A word with a non-ASCII capital finds the caption that holds it as written, and any case
    // of its ASCII letters.
    for (const word of ['Águila', 'ÁGUILA SOBRE']) {
      const fts = encodeURIComponent(JSON.stringify([{ text: { op: 'fts', value: word } }]));
      const hits = (await get(`/api/v1/explore/${id}?threshold=0&vql=${fts}`)).body.clusters.flatMap((c: any) => c.previews.map((p: any) => p.file_name));
      expect(hits, word).toEqual(['eagle.jpg']);
    }
  });

  it('round trip: the export\'s labels and objects, imported as COCO, give the same labels and objects', async () => {
    const zip = await exportZip(t, id);
    const exported = JSON.parse((await readZip(zip)).get('metadata.json')!.toString()).media_items as any[];
    const { coco, annotationsOf } = cocoOf(exported);
    const dogItems = exported.find((m) => m.file_name === 'dog.jpg').metadata_items;
    expect(dogItems.filter((i: any) => i.type !== 'issue').map((i: any) => [i.type, i.properties.source])).toEqual([
      ['image_label', 'ANNOTATIONS'],
      ['image_label', 'ANNOTATIONS'],
      ['object_label', 'ANNOTATIONS'],
      ['object_label', 'ANNOTATIONS'],
      ['caption', 'ANNOTATIONS'],
    ]);
    expect(annotationsOf(exported)['dog.jpg']).toEqual({ labels: ['bicycle', 'dog'], objects: ['bicycle 100,100,470,300', 'dog 120,200,200,330'] });
    const again = await mkdtemp(join(root, 'again-'));
    for (const m of exported) await copyFile(join(root, 'photos', m.file_name), join(again, m.file_name));
    await writeFile(join(again, 'annotations.json'), JSON.stringify(coco));
    const againId = await createDatasetFrom(t.url, t.admin.token, 'reimported', again);
    const { dataset: reimported } = await waitForDatasetStatus(t.url, t.admin.token, againId, ['READY', 'ERROR'], 300_000);
    expect(reimported).toMatchObject({ status_new: 'READY', n_images: PHOTOS.length, n_objects: 3 });
    const zip2 = await exportZip(t, againId);
    const reexported = JSON.parse((await readZip(zip2)).get('metadata.json')!.toString()).media_items as any[];
    expect(annotationsOf(reexported)).toEqual(annotationsOf(exported));
    expect(reexported.find((m) => m.file_name === 'dog.jpg').caption).toBe('A dog beside a bicycle');
    const csv = (await readZip(await exportZip(t, againId, 'csv'))).get('metadata.csv')!.toString().trim().split(/\r?\n/);
    expect(csv[0]!.split(',').at(-1)).toBe('caption');
    expect(csv.find((line) => line.includes('dog.jpg'))).toMatch(/,A dog beside a bicycle$/);
  });

  it('writes the labels and objects of metadata.json into metadata.parquet and metadata.csv', async () => {
    const exported = JSON.parse((await readZip(await exportZip(t, id))).get('metadata.json')!.toString()).media_items as any[];
    const props = (m: any, type: string) => m.metadata_items.filter((i: any) => i.type === type).map((i: any) => i.properties);
    const expected = Object.fromEntries(exported.map((m) => [m.file_name, { labels: props(m, 'image_label'), objects: props(m, 'object_label') }]));
    expect(expected['dog.jpg']!.objects).toHaveLength(2);
    const parsed = (row: any) => ({ labels: row.labels === null || row.labels === '' ? [] : JSON.parse(row.labels), objects: row.objects === null || row.objects === '' ? [] : JSON.parse(row.objects) });
    const parquet = (await readZip(await exportZip(t, id, 'parquet'))).get('metadata.parquet')!;
    const file = parquet.buffer.slice(parquet.byteOffset, parquet.byteOffset + parquet.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({ file })) as any[];
    expect(Object.fromEntries(rows.map((r) => [r.file_name, parsed(r)]))).toEqual(expected);
    const [header, ...lines] = (await readZip(await exportZip(t, id, 'csv'))).get('metadata.csv')!.toString().trimEnd().split('\r\n').map(csvFields);
    const csv = lines.map((fields) => Object.fromEntries(header!.map((h, i) => [h, fields[i]])));
    expect(Object.fromEntries(csv.map((r) => [r.file_name, parsed(r)]))).toEqual(expected);
  });

  it('reads a parquet manifest; a listed file that is not there is a per-item failure', async () => {
    const listId = await createDatasetFrom(t.url, t.admin.token, 'from parquet', join(root, 'listed', 'files.parquet'));
    const { dataset: listed } = await waitForDatasetStatus(t.url, t.admin.token, listId, ['READY', 'ERROR'], 300_000);
    expect(listed).toMatchObject({ status_new: 'READY', n_images: 2 });
    const errors = (await get(`/api/v1/dataset/${listId}/errors`)).body;
    expect(errors.map((e: any) => [e.file_name, e.reason])).toEqual([
      ['gone.jpg', 'file not found'],
      ['annotations.json', expect.stringMatching(/^annotations\.json: the file cannot be read as JSON: /)],
    ]);
  });

  it('reads object boxes from object_annotations.parquet; each bad row is a failure of its own', async () => {
    const boxedId = await createDatasetFrom(t.url, t.admin.token, 'boxes in parquet', join(root, 'boxed'));
    const { dataset: boxed } = await waitForDatasetStatus(t.url, t.admin.token, boxedId, ['READY', 'ERROR'], 300_000);
    expect(boxed).toMatchObject({ status_new: 'READY', n_images: 2, n_objects: 2 });
    const items = (await getJson(t.url, `/api/v1/dataset/${boxedId}/media?page_size=100`, t.admin.token)).body.media;
    const objectsOf = async (name: string) => {
      const mediaId = items.find((m: any) => m.file_name === name).media_id;
      const detail = (await get(`/api/v1/dataset/${boxedId}/media/${mediaId}`)).body;
      return detail.objects.map((o: any) => [o.label, o.bounding_box]);
    };
    expect(await objectsOf('dog.jpg')).toEqual([['dog', { x: 120, y: 200, width: 200, height: 330 }]]);
    expect(await objectsOf('horses.jpg')).toEqual([['horse', { x: 0, y: 0, width: 300, height: 200 }]]);
    const errors = (await get(`/api/v1/dataset/${boxedId}/errors`)).body;
    expect(errors.map((e: any) => `${e.file_name} | ${e.reason}`).sort()).toEqual([
      'object_annotations.parquet | object_annotations.parquet row 3: missing label',
      'object_annotations.parquet | object_annotations.parquet row 4: unknown file "gone.jpg": no such image in the dataset\'s files',
    ]);
  });

  it('refuses a .parquet manifest that is not parquet with a 400', async () => {
    const form = new FormData();
    form.set('dataset_name', 'broken');
    form.set('bucket_path', join(root, 'listed', 'broken.parquet'));
    const res = await fetch(`${t.url}/api/v1/dataset`, { method: 'POST', headers: { authorization: `Bearer ${t.admin.token}` }, body: form });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).detail).toMatch(/^The manifest cannot be read: /);
  });

  it('reads annotation files uploaded with the images (four-step upload)', async () => {
    const ds = (await get('/api/v1/ingestion/new_dataset?dataset_name=uploaded')).body.dataset_id;
    const trans = (await get(`/api/v1/ingestion/${ds}/data_files`)).body.trans_id;
    const fd = new FormData();
    for (const name of ['dog.jpg', 'eagle.jpg']) fd.append('files', new Blob([new Uint8Array(await readFile(join(root, 'photos', name)))]), `shots/${name}`);
    fd.append('files', new Blob(['filename,label,caption\ndog.jpg,dog,A dog\neagle.jpg,bird,\n']), 'shots/image_annotations.csv');
    fd.append('files', new Blob(['filename,col_x,row_y,width,height,label\nshots/eagle.jpg,100,50,300,300,bird\n']), 'shots/object_annotations.csv');
    const auth = { authorization: `Bearer ${t.admin.token}` };
    expect((await fetch(`${t.url}/api/v1/ingestion/${ds}/data_files/${trans}`, { method: 'POST', headers: auth, body: fd })).status).toBe(202);
    expect((await fetch(`${t.url}/api/v1/ingestion/${ds}/process_files/${trans}`, { method: 'POST', headers: auth })).status).toBe(202);
    const { dataset: uploaded } = await waitForDatasetStatus(t.url, t.admin.token, ds, ['READY', 'ERROR'], 300_000);
    // The annotation files are not media: neither items nor failures.
    expect(uploaded).toMatchObject({ status_new: 'READY', n_images: 2, n_objects: 1 });
    expect((await get(`/api/v1/dataset/${ds}/errors`)).body).toEqual([]);
    const listed = (await get(`/api/v1/dataset/${ds}/media?page_size=100`)).body.media;
    expect(Object.fromEntries(listed.map((m: any) => [m.file_name, [m.labels, m.captions]]))).toEqual({ 'shots/dog.jpg': [['dog'], ['A dog']], 'shots/eagle.jpg': [['bird'], []] });
  });

  it('carries the imported labels, objects and caption into an enrichment copy, beside what the models find', async () => {
    const res = await fetch(`${t.url}/api/v1/dataset/${id}/enrich_dataset`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enrichment_models: { OBJECT_DETECTION: 'strata_object_detector_centernet_v00', IMAGE_TAGGING: 'strata_image_tagger_centernet_v00' } }),
    });
    expect(res.status).toBe(200);
    const copyId = ((await res.json()) as any).dataset_id;
    const { dataset: copy } = await waitForDatasetStatus(t.url, t.admin.token, copyId, ['READY', 'ERROR'], 300_000);
    await waitForDatasetStatus(t.url, t.admin.token, id, ['READY'], 60_000);
    const exported = JSON.parse((await readZip(await exportZip(t, copyId))).get('metadata.json')!.toString()).media_items as any[];
    const dog = exported.find((m) => m.file_name === 'dog.jpg');
    const entries = (type: string, source: string) =>
      dog.metadata_items.filter((i: any) => i.type === type && i.properties.source === source).map((i: any) => [i.properties.category_name, i.properties.bbox?.join(',')]);
    expect(entries('image_label', 'ANNOTATIONS').sort()).toEqual([['bicycle', undefined], ['dog', undefined]]);
    expect(entries('object_label', 'ANNOTATIONS').sort()).toEqual([['bicycle', '100,100,470,300'], ['dog', '120,200,200,330']]);
    // The detector sees darknet's dog photo's dog and bicycle too: both sources keep their label.
    expect(entries('image_label', 'IMAGE_TAGGING').map((e: any) => e[0])).toEqual(expect.arrayContaining(['bicycle', 'dog']));
    expect(entries('object_label', 'OBJECT_DETECTION').map((e: any) => e[0])).toEqual(expect.arrayContaining(['bicycle', 'dog']));
    expect(dog.caption).toBe('A dog beside a bicycle');
    const detected = exported.flatMap((m) => m.metadata_items.filter((i: any) => i.type === 'object_label' && i.properties.source === 'OBJECT_DETECTION'));
    expect(copy).toMatchObject({ status_new: 'READY', n_images: PHOTOS.length, n_objects: 3 + detected.length });
    const copyMedia = (await getJson(t.url, `/api/v1/dataset/${copyId}/media?page_size=100`, t.admin.token)).body.media;
    expect(copyMedia.find((m: any) => m.file_name === 'eagle.jpg').labels).toContain('bird');
    expect(copyMedia.find((m: any) => m.file_name === 'dog.jpg').labels.filter((l: string) => l === 'dog')).toEqual(['dog']);
  });

  it('adds a folder through /api/v1/process/add_media, annotations included', async () => {
    const res = await fetch(`${t.url}/api/v1/process/add_media?dataset_id=${id}&path=${encodeURIComponent(join(root, 'more'))}&auto_reindex=true`, {
      headers: { authorization: `Bearer ${t.admin.token}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body).toEqual({ status: 'success', message: 'Media addition started', dataset_id: id, task_id: expect.any(String) });
    const { dataset: grown } = await waitForDatasetStatus(t.url, t.admin.token, id, ['READY', 'ERROR'], 300_000);
    expect(grown).toMatchObject({ status_new: 'READY', n_images: PHOTOS.length + 1 });
    const scream = (await get(`/api/v1/dataset/${id}/media?page_size=100`)).body.media.find((m: any) => m.file_name === 'scream.jpg');
    expect(scream).toMatchObject({ captions: ['A figure on a bridge,\nscreaming "loudly"'] });
    expect(scream.labels.sort()).toEqual(['expressionism', 'painting']);
    const errors = (await get(`/api/v1/dataset/${id}/errors`)).body.map((e: any) => e.reason);
    expect(errors).toContain('image_annotations.csv row 4: a quoted field is not closed');
    const outside = await fetch(`${t.url}/api/v1/process/add_media?dataset_id=${id}&path=${encodeURIComponent('/etc')}`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(outside.status).toBe(400);
    expect(await outside.json()).toMatchObject({ status: 'error', message: expect.any(String), detail: expect.any(String) });
    const unknown = await fetch(`${t.url}/api/v1/process/add_media?dataset_id=no-such&path=${encodeURIComponent(join(root, 'more'))}`, { headers: { authorization: `Bearer ${t.admin.token}` } });
    expect(unknown.status).toBe(404);
  });
});

async function exportZip(t: TestServer, datasetId: string, format = 'json'): Promise<Buffer> {
  const get = (path: string) => getJson(t.url, path, t.admin.token);
  const started = (await get(`/api/v1/dataset/${datasetId}/export_context_async?export_format=${format}`)).body;
  const status = await waitForExport(t.url, t.admin.token, datasetId, started.id);
  return Buffer.from(await (await fetch(`${t.url}${status.download_uri}`, { headers: { authorization: `Bearer ${t.admin.token}` } })).arrayBuffer());
}

/** metadata.json's labels, objects and captions as a COCO file, and a comparable summary of them. */
function cocoOf(items: any[]) {
  const meta = (m: any, type: string) => m.metadata_items.filter((i: any) => i.type === type).map((i: any) => i.properties);
  const names = [...new Set(items.flatMap((m) => [...meta(m, 'image_label'), ...meta(m, 'object_label')].map((p: any) => p.category_name)))].sort();
  const categories = names.map((name, i) => ({ id: i + 1, name }));
  const catId = (name: string) => names.indexOf(name) + 1;
  const annotations = items.flatMap((m, i) => [
    ...meta(m, 'image_label').map((p: any) => ({ image_id: i + 1, category_id: catId(p.category_name) })),
    ...meta(m, 'object_label').map((p: any) => ({ image_id: i + 1, category_id: catId(p.category_name), bbox: p.bbox })),
    ...(m.caption ? [{ image_id: i + 1, caption: m.caption }] : []),
  ]);
  const coco = { images: items.map((m, i) => ({ id: i + 1, file_name: m.file_name, width: m.width, height: m.height })), annotations, categories };
  const annotationsOf = (list: any[]) =>
    Object.fromEntries(
      list
        .map((m) => [m.file_name, { labels: meta(m, 'image_label').map((p: any) => p.category_name).sort(), objects: meta(m, 'object_label').map((p: any) => `${p.category_name} ${p.bbox.join(',')}`).sort() }])
        .sort(),
    );
  return { coco, annotationsOf };
}
