#!/usr/bin/env bash
# Builds a cache of real photos and videos for tests and benchmarks, taken from Debian packages
# (the only place besides npm that every Strata machine, CI included, can download from).
#
#   bash scripts/fetch-test-media.sh [cache-dir]
#
# Cache dir: $1, else $STRATA_TEST_MEDIA_DIR, else <repo>/.cache/test-media. Result:
#   <cache>/photos/   flat folder of real JPG/PNG photos (>= 200 px on both sides)
#   <cache>/videos/   AVI clips from opencv-doc
# and runs scripts/fetch-neardup-media.sh (pictures of other kinds, in their own cache).
# Idempotent: a finished cache (marked by <cache>/.complete) is left alone; an interrupted run
# resumes, re-using the .deb files it already downloaded. Needs apt-get and dpkg-deb (any
# Debian), and the project's node_modules (sharp reads image sizes): run `npm ci` first.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/debian-packages.sh
source "$repo_dir/scripts/lib/debian-packages.sh"
cache_dir="${1:-${STRATA_TEST_MEDIA_DIR:-$repo_dir/.cache/test-media}}"
packages=(opencv-doc plasma-workspace-wallpapers darknet python3-skimage mate-backgrounds)
min_side=200

# The packages of the broad near-duplicate set (bench/neardup/broad-set.ts), in their own cache.
bash "$repo_dir/scripts/fetch-neardup-media.sh" >/dev/null

if [[ -f "$cache_dir/.complete" ]]; then
  echo "$cache_dir"
  exit 0
fi

debs_dir="$cache_dir/debs"
root_dir="$cache_dir/root"
mkdir -p "$debs_dir" "$root_dir"

fetch_debs "$debs_dir" "${packages[@]}"

for deb in "$debs_dir"/*.deb; do
  stamp="$root_dir/.extracted-$(basename "$deb")"
  if [[ ! -f "$stamp" ]]; then
    dpkg-deb -x "$deb" "$root_dir"
    touch "$stamp"
  fi
done

# Prints "<prefix>\t<path>" for every candidate photo; the prefix keeps flat names unique.
list_candidates() {
  local r="$root_dir"
  # right*.jpg are the stereo twins of left*.jpg: one side of each pair is enough.
  find "$r/usr/share/doc/opencv-doc/examples/data" -maxdepth 1 -type f \
    \( -name '*.jpg' -o -name '*.png' \) ! -name 'right*' -printf 'opencv\t%p\n'
  find "$r/usr/share/darknet/data" -maxdepth 1 -type f -name '*.jpg' -printf 'darknet\t%p\n'
  # truncated.jpg is deliberately broken in skimage's test data: not a photo.
  find "$r/usr/lib/python3/dist-packages/skimage/data" -maxdepth 1 -type f \
    \( -name '*.jpg' -o -name '*.png' \) ! -name 'truncated.jpg' -printf 'skimage\t%p\n'
  # mate's desktop/ folder holds flat stripes and logos, not photos.
  find "$r/usr/share/backgrounds/mate" -mindepth 2 -maxdepth 2 -type f ! -path '*/desktop/*' \
    \( -name '*.jpg' -o -name '*.png' \) -printf 'mate\t%p\n'
  # One picture per Plasma wallpaper (the largest one: real cameras produce big files too).
  local wp file size biggest max
  for wp in "$r"/usr/share/wallpapers/*/contents/images; do
    biggest="" max=0
    for file in "$wp"/*; do
      size="$(stat -c %s "$file")"
      if ((size > max)); then max="$size" biggest="$file"; fi
    done
    if [[ -n "$biggest" ]]; then printf 'plasma\t%s\n' "$biggest"; fi
  done
}

# Keeps only files whose both sides are >= min_side, read with the project's own sharp (so
# no extra Debian tool is needed). Reads "<prefix>\t<path>" lines on stdin, echoes survivors.
filter_by_size() {
  (cd "$repo_dir" && node --input-type=module -e '
    import sharp from "sharp";
    import { createInterface } from "node:readline";
    const minSide = Number(process.argv[1]);
    for await (const line of createInterface({ input: process.stdin })) {
      const path = line.split("\t")[1];
      try {
        const { width = 0, height = 0 } = await sharp(path).metadata();
        if (width >= minSide && height >= minSide) console.log(line);
      } catch {
        // unreadable candidates are simply not photos
      }
    }
  ' "$min_side")
}

# Build into temporary folders and rename at the end, so a killed run never leaves a
# half-filled photos/ that a later run would mistake for a finished one.
rm -rf "$cache_dir/photos.tmp" "$cache_dir/videos.tmp"
mkdir -p "$cache_dir/photos.tmp" "$cache_dir/videos.tmp"

list_candidates | filter_by_size | while IFS=$'\t' read -r prefix path; do
  name="$(basename "$path")"
  case "$prefix" in
    plasma) name="$(basename "$(dirname "$(dirname "$(dirname "$path")")")")-$name" ;;
    mate) name="$(basename "$(dirname "$path")")-$name" ;;
  esac
  cp "$path" "$cache_dir/photos.tmp/$prefix-$name"
done

find "$root_dir/usr/share/doc/opencv-doc/examples/data" -maxdepth 1 -type f -name '*.avi' \
  -exec cp {} "$cache_dir/videos.tmp/" \;

photo_count="$(find "$cache_dir/photos.tmp" -type f | wc -l)"
video_count="$(find "$cache_dir/videos.tmp" -type f | wc -l)"
if ((photo_count < 60 || video_count < 1)); then
  echo "fetch-test-media: only $photo_count photos and $video_count videos found" >&2
  exit 1
fi

rm -rf "$cache_dir/photos" "$cache_dir/videos"
mv "$cache_dir/photos.tmp" "$cache_dir/photos"
mv "$cache_dir/videos.tmp" "$cache_dir/videos"
touch "$cache_dir/.complete"
echo "fetch-test-media: $photo_count photos, $video_count videos" >&2
echo "$cache_dir"
