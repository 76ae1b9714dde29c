# Shared by the fetch scripts: Debian packages downloaded into a cache folder of .deb files.

# fetch_debs DEBS_DIR PACKAGE…: downloads the packages that have no .deb in DEBS_DIR yet.
# Files go to a scratch folder first and move only once apt-get has verified them all, so an
# interrupted download never leaves a truncated .deb that looks finished. A clean machine may
# have no package lists yet: they are refreshed only when a download fails, since an update
# costs time and a warm machine usually does not need it.
fetch_debs() {
  local debs_dir="$1"
  shift
  local missing=() pkg
  for pkg in "$@"; do
    compgen -G "$debs_dir/${pkg}_*.deb" >/dev/null || missing+=("$pkg")
  done
  ((${#missing[@]} > 0)) || return 0
  if ! _download_debs "$debs_dir" "${missing[@]}" >&2; then
    apt-get update >&2
    _download_debs "$debs_dir" "${missing[@]}" >&2
  fi
}

_download_debs() {
  local debs_dir="$1"
  shift
  local scratch
  scratch="$(mktemp -d "$debs_dir/../download.XXXXXX")"
  if (cd "$scratch" && apt-get download "$@"); then
    mv "$scratch"/*.deb "$debs_dir"/
    rm -rf "$scratch"
  else
    rm -rf "$scratch"
    return 1
  fi
}
