# Sourced by the scripts that run Python tools from PyPI in a private venv under target/.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

# make_venv DIR NAME: a venv with pip at DIR (NAME prefixes messages). Debian's python3 lacks
# ensurepip until python3-venv is installed; without root, virtualenv (installed for this user)
# makes the venv instead.
make_venv() {
  local venv=$1 name=$2
  if ! command -v python3 >/dev/null 2>&1; then
    as_root apt-get update -qq && as_root apt-get install -y -qq python3 python3-venv >/dev/null ||
      { echo "$name: python3 is needed" >&2; exit 1; }
  fi
  rm -rf "$venv"
  if python3 -m venv "$venv" >/dev/null 2>&1; then return; fi
  rm -rf "$venv"
  local version
  version=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  if command -v apt-get >/dev/null 2>&1 &&
    { as_root apt-get update -qq && as_root apt-get install -y -qq "python${version}-venv" >/dev/null ||
      as_root apt-get install -y -qq python3-venv >/dev/null; } 2>/dev/null &&
    python3 -m venv "$venv" >/dev/null 2>&1; then
    return
  fi
  rm -rf "$venv"
  echo "$name: python3 -m venv unavailable; using virtualenv" >&2
  python3 -m pip install --user --quiet virtualenv ||
    python3 -m pip install --user --quiet --break-system-packages virtualenv
  python3 -m virtualenv --quiet "$venv"
}


# ensure_venv DIR NAME REQUIREMENTS: DIR holds exactly the pinned REQUIREMENTS, installed anew
# only when the file changed since the last install.
ensure_venv() {
  local venv=$1 name=$2 requirements=$3
  local stamp="$venv/.requirements"
  if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
    echo "$name: installing $(grep -cv '^#' "$requirements") pinned packages into $venv"
    make_venv "$venv" "$name"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
  fi
}
