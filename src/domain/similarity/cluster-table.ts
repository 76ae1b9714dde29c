/**
 * The clusters of one granularity with their counts, biggest first (ties by lower id): explore
 * pages through them in this order, so entry r is the cluster of rank r. Typed arrays, so that
 * a million clusters cost a few MB and cross a thread boundary without copies.
 */
export interface ClusterTable {
  clusterId: Int32Array;
  size: Int32Array;
  nImages: Int32Array;
  nFrames: Int32Array;
  /** Distinct videos among the cluster's frames. */
  nVideos: Int32Array;
}

/**
 * `labels[i]` is item i's cluster (dense ids 0 … m − 1, every item in one); `videoOf[i]` the
 * video item i is a frame of (any integer naming it), −1 for an image.
 */
export function clusterTable(labels: Int32Array, videoOf: Int32Array): ClusterTable {
  if (videoOf.length !== labels.length) throw new RangeError(`${labels.length} labels but ${videoOf.length} video entries`);
  let m = 0;
  for (const label of labels) m = Math.max(m, label + 1);
  const size = new Int32Array(m);
  const nFrames = new Int32Array(m);
  const frames: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    size[labels[i]!]!++;
    if (videoOf[i]! >= 0) {
      nFrames[labels[i]!]!++;
      frames.push(i);
    }
  }
  // Frames ordered by (cluster, video): each new pair is one more video in that cluster.
  frames.sort((a, b) => labels[a]! - labels[b]! || videoOf[a]! - videoOf[b]!);
  const nVideos = new Int32Array(m);
  frames.forEach((f, k) => {
    const previous = frames[k - 1];
    if (previous === undefined || labels[previous] !== labels[f] || videoOf[previous] !== videoOf[f]) nVideos[labels[f]!]!++;
  });
  const clusterId = Int32Array.from({ length: m }, (_, c) => c).sort((a, b) => size[b]! - size[a]! || a - b);
  return {
    clusterId,
    size: clusterId.map((c) => size[c]!),
    nImages: clusterId.map((c) => size[c]! - nFrames[c]!),
    nFrames: clusterId.map((c) => nFrames[c]!),
    nVideos: clusterId.map((c) => nVideos[c]!),
  };
}
