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

# Downloaded into a scratch folder and moved once apt-get has verified them all, so an
# interrupted download never leaves a truncated .deb that looks finished.
download_debs() {
  local scratch
  scratch="$(mktemp -d "$cache_dir/download.XXXXXX")"
  if (cd "$scratch" && apt-get download "$@"); then
    mv "$scratch"/*.deb "$cache_dir/debs"/
    rm -rf "$scratch"
  else
    rm -rf "$scratch"
    return 1
  fi
}

missing=()
for pkg in "${packages[@]}"; do
  compgen -G "$cache_dir/debs/${pkg}_*.deb" >/dev/null || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  if ! download_debs "${missing[@]}" >&2; then
    apt-get update >&2
    download_debs "${missing[@]}" >&2
  fi
fi

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
