#!/bin/bash
# Sourced by scripts/{containerd,criu,docker}/fetch.sh: a private apt tree for Debian trixie under
# build/apt-trixie (own sources list, lists and cache) so that `apt-get download` can fetch trixie's
# packages WITHOUT touching the host's apt configuration or installed packages. The trixie key
# ships in bookworm's debian-archive-keyring; Signed-By keeps it scoped to this source.
# After `trixie_apt_init TOP`: the array `trixie_apt` is apt-get with those options, the lists are
# updated, and `trixie_aptdir` is the tree. Env: TSRUN_DEBIAN_MIRROR (default deb.debian.org).

trixie_apt_init() {
  local top=$1
  local mirror=${TSRUN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  command -v apt-get >/dev/null || { echo "fetch: apt-get not found (this script needs Debian's apt)" >&2; return 1; }
  trixie_aptdir=$top/build/apt-trixie
  mkdir -p "$trixie_aptdir/lists/partial" "$trixie_aptdir/archives/partial" "$trixie_aptdir/etc/preferences.d" "$trixie_aptdir/cache"
  cat > "$trixie_aptdir/etc/sources.list" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main
EOT
  trixie_apt=(apt-get -q
    -o "Dir::Etc::SourceList=$trixie_aptdir/etc/sources.list"
    -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::Etc::Preferences=/dev/null"
    -o "Dir::Etc::PreferencesParts=$trixie_aptdir/etc/preferences.d"
    -o "Dir::State::Lists=$trixie_aptdir/lists"
    -o "Dir::Cache=$trixie_aptdir/cache"
    -o "Dir::Cache::Archives=$trixie_aptdir/archives"
    -o "APT::Get::List-Cleanup=false"
    -o "APT::Sandbox::User=root")
  "${trixie_apt[@]}" update >/dev/null
}
