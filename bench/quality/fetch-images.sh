#!/usr/bin/env bash
# Images of kinds the test media lack, for calibrating the quality measures on data they were
# not tuned on: GNOME, UKUI, Lomiri and Debian desktop backgrounds (photos, gradients, flat
# art, night and snow scenes). Fetched once from Debian and cached.
#
#   bash bench/quality/fetch-images.sh      # prints the folder: <repo>/.cache/quality-images
#
# Result: <cache>/images/<package>-<name>, JPG/PNG/WebP only, both sides >= 200 px.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache_dir="$repo_dir/.cache/quality-images"
packages=(gnome-backgrounds ukui-wallpapers lomiri-wallpapers desktop-base)

if [[ -f "$cache_dir/.complete" ]]; then
  echo "$cache_dir"
  exit 0
fi
mkdir -p "$cache_dir/debs" "$cache_dir/root"
rm -rf "$cache_dir/images.tmp" && mkdir -p "$cache_dir/images.tmp"
(cd "$cache_dir/debs" && apt-get download "${packages[@]}" >&2) || {
  apt-get update >&2
  (cd "$cache_dir/debs" && apt-get download "${packages[@]}" >&2)
}
for pkg in "${packages[@]}"; do
  dpkg-deb -x "$cache_dir"/debs/"${pkg}"_*.deb "$cache_dir/root/$pkg"
  # Several sizes of one picture (and a picture linked under several names) would count it
  # twice: the largest file per folder of sized variants is kept, symlinks are skipped.
  find "$cache_dir/root/$pkg" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.webp' \) -printf '%s\t%p\n' |
    sort -rn | while IFS=$'\t' read -r _ path; do
      name="$(basename "$path")"
      stem="${name%.*}"
      stem="${stem%%[-_][0-9]*x[0-9]*}"
      # Plasma-style themes name their files by size only: the theme's folder names the picture.
      [[ "$stem" =~ ^[0-9]+x[0-9]+$ ]] && stem="$(basename "$(dirname "$(dirname "$(dirname "$path")")")")"
      target="$cache_dir/images.tmp/$pkg-$stem.${name##*.}"
      [[ -e "$target" ]] || cp "$path" "$target"
    done
done
# Icons and logos are not what a dataset of pictures holds: at least 200 px on both sides.
(cd "$repo_dir" && node --input-type=module -e '
  import sharp from "sharp";
  import { readdirSync, rmSync } from "node:fs";
  const dir = process.argv[1];
  for (const name of readdirSync(dir)) {
    const path = `${dir}/${name}`;
    try {
      const { width = 0, height = 0 } = await sharp(path).metadata();
      if (width < 200 || height < 200) rmSync(path);
    } catch {
      rmSync(path);
    }
  }
' "$cache_dir/images.tmp")
rm -rf "$cache_dir/images" && mv "$cache_dir/images.tmp" "$cache_dir/images"
touch "$cache_dir/.complete"
echo "fetch-images: $(ls "$cache_dir/images" | wc -l) images" >&2
echo "$cache_dir"
