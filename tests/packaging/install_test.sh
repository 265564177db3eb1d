#!/usr/bin/env bash
# `cmake --install` into a scratch DESTDIR puts every file where GNUInstallDirs
# and systemd expect it, the units run the installed binary, and the man
# pages render without a single groff or man warning.
#
# Usage: install_test.sh BUILD_DIR INSTALL_PREFIX
set -euo pipefail
build=$1
prefix=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

DESTDIR=$root cmake --install "$build" >/dev/null
failed=0
expect() {
  if [[ ! -e $root$prefix/$1 ]]; then
    echo "FAIL: $prefix/$1 was not installed"
    failed=1
  fi
}
expect bin/popfetchd
expect lib/systemd/system/popfetchd.service
expect lib/systemd/system/popfetchd@.service
expect lib/systemd/user/popfetchd.service
expect lib/sysusers.d/popfetchd.conf
expect share/man/man8/popfetchd.8.gz
expect share/man/man5/popfetchd.yaml.5.gz
expect share/doc/popfetchd/popfetchd.example.yaml
expect share/bash-completion/completions/popfetchd
expect share/zsh/vendor-completions/_popfetchd
[[ $failed -eq 0 ]] || { find "$root" -type f | sed "s|^$root||"; exit 1; }
echo "every file installed"

# Every Exec line of every unit runs the binary that was installed.
for unit in "$root$prefix"/lib/systemd/system/*.service "$root$prefix"/lib/systemd/user/*.service; do
  while read -r line; do
    program=${line#*=}
    program=${program%% *}
    if [[ $program != "$prefix/bin/popfetchd" && $program != /bin/kill ]]; then
      echo "FAIL: ${unit##*/}: $line does not run $prefix/bin/popfetchd"
      exit 1
    fi
  done < <(grep -E '^Exec(Start|StartPre|Reload)=' "$unit")
  if grep -n '@[A-Z_]*@' "$unit"; then
    echo "FAIL: ${unit##*/} has an unreplaced @VARIABLE@"
    exit 1
  fi
done
grep -q '^ExecStart=.* -c /etc/popfetchd/%i.yaml run$' "$root$prefix/lib/systemd/system/popfetchd@.service" ||
  { echo "FAIL: the template does not read /etc/popfetchd/%i.yaml"; exit 1; }
grep -q '^StateDirectory=popfetchd/%i$' "$root$prefix/lib/systemd/system/popfetchd@.service" ||
  { echo "FAIL: the template does not keep a state directory per instance"; exit 1; }
echo "units run $prefix/bin/popfetchd"

if ! command -v man >/dev/null 2>&1; then
  echo "SKIP: man is not installed, the pages were not rendered"
  exit 77
fi
for page in "$root$prefix"/share/man/man8/popfetchd.8.gz "$root$prefix"/share/man/man5/popfetchd.yaml.5.gz; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
  if [[ -n $warnings ]]; then
    echo "FAIL: man warns about ${page##*/}:"
    echo "$warnings"
    exit 1
  fi
  if zgrep -q '@[A-Z_]*@' "$page"; then
    echo "FAIL: ${page##*/} has an unreplaced @VARIABLE@"
    exit 1
  fi
done
echo "man pages render without warnings"
