#!/usr/bin/env bash
# Images of several kinds from Debian packages, for the broad near-duplicate set
# (bench/neardup/broad-set.ts): photos, wallpapers and gradients, clipart and icons on
# transparent backgrounds, screenshots and diagrams, textures. Each package is extracted into
# its own folder, so the set can be fitted on some packages and scored on the others.
#
#   bash scripts/fetch-neardup-media.sh [cache-dir]
#
# Cache dir: $1, else $STRATA_NEARDUP_MEDIA_DIR, else <repo>/.cache/neardup-media. Result:
#   <cache>/root/<package>/   the package's files (dpkg-deb -x)
# Idempotent (<cache>/.complete marks a finished cache). Needs apt-get and dpkg-deb.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/debian-packages.sh
source "$repo_dir/scripts/lib/debian-packages.sh"
cache_dir="${1:-${STRATA_NEARDUP_MEDIA_DIR:-$repo_dir/.cache/neardup-media}}"
# Keep in step with the sources of bench/neardup/broad-set.ts.
packages=(
  lomiri-wallpapers-16.04 lomiri-wallpapers-20.04
  desktop-base gnome-backgrounds ukui-wallpapers sway-backgrounds debian-edu-artwork-emerald
  debian-edu-artwork-spacefun
  oxygen-icon-theme gnome-icon-theme tuxpaint-data
  gnome-user-docs frozen-bubble-data neverball-data
  colobot-common-textures mypaint-data-extras
)

if [[ -f "$cache_dir/.complete" ]]; then
  echo "$cache_dir"
  exit 0
fi
mkdir -p "$cache_dir/debs" "$cache_dir/root"

fetch_debs "$cache_dir/debs" "${packages[@]}"

for pkg in "${packages[@]}"; do
  if [[ ! -f "$cache_dir/root/.extracted-$pkg" ]]; then
    rm -rf "${cache_dir:?}/root/$pkg"
    dpkg-deb -x "$(compgen -G "$cache_dir/debs/${pkg}_*.deb" | head -n 1)" "$cache_dir/root/$pkg"
    touch "$cache_dir/root/.extracted-$pkg"
  fi
done
touch "$cache_dir/.complete"
echo "fetch-neardup-media: ${#packages[@]} packages" >&2
echo "$cache_dir"
