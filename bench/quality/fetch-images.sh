#!/usr/bin/env bash
# Images of kinds the test media lack, for calibrating the quality measures on data they were
# not tuned on. Fetched once from Debian and cached. Two sets:
#
#   bash bench/quality/fetch-images.sh           # GNOME, UKUI, Lomiri and Debian desktop
#                                                # backgrounds (photos, gradients, flat art)
#   bash bench/quality/fetch-images.sh exposure  # intentionally dark and bright pictures: Extreme
#                                                # Tux Racer's night and sunny skies over snowy
#                                                # mountains and its snow-course previews
#                                                # (renders), xplanet's Earth at night
#
# Prints the set's folder (<repo>/.cache/quality-images or .cache/quality-exposure); the pictures
# are in its images/ folder: <package>-<name> for the backgrounds (JPG/PNG/WebP, both sides
# >= 200 px), etr-<sky>-<side>, etr-course-<course> and xplanet-night for the exposure set.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
set_name="${1:-backgrounds}"
case "$set_name" in
  backgrounds)
    cache_dir="$repo_dir/.cache/quality-images"
    packages=(gnome-backgrounds ukui-wallpapers lomiri-wallpapers desktop-base) ;;
  exposure)
    cache_dir="$repo_dir/.cache/quality-exposure"
    packages=(extremetuxracer-data xplanet-images) ;;
  *) echo "usage: fetch-images.sh [backgrounds|exposure]" >&2; exit 2 ;;
esac

# Every picture of the background packages, once per design.
select_backgrounds() {
  for pkg in "${packages[@]}"; do
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
}

# The game's sky boxes (night, and sunny over snow; the 1024 px versions) and every course's
# preview (192 px screenshots, mostly snow slopes), and the Earth's city lights at night.
select_exposure() {
  local etr="$cache_dir/root/extremetuxracer-data/usr/share/games/etr"
  for sky in night sunny; do
    for side in front left right; do cp "$etr/env/etr/$sky/${side}H.png" "$cache_dir/images.tmp/etr-$sky-$side.png"; done
  done
  for preview in "$etr"/courses/*/*/preview.png; do
    cp "$preview" "$cache_dir/images.tmp/etr-course-$(basename "$(dirname "$preview")").png"
  done
  cp "$cache_dir/root/xplanet-images/usr/share/xplanet/images/night.jpg" "$cache_dir/images.tmp/xplanet-night.jpg"
}

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
done
"select_$set_name"
rm -rf "$cache_dir/images" && mv "$cache_dir/images.tmp" "$cache_dir/images"
touch "$cache_dir/.complete"
echo "fetch-images: $(ls "$cache_dir/images" | wc -l) images" >&2
echo "$cache_dir"
