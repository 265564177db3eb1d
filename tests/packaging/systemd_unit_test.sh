#!/usr/bin/env bash
# Checks a configured systemd unit (as `cmake --install` installs it) with
# systemd's own tools:
#   - a reload checks the config before it signals the daemon (no systemd needed);
#   - a system unit: `systemd-analyze security --offline=true` rates it at most
#     2.0 ("OK"); a template is rated as its instance "test";
#   - `systemd-analyze verify` finds nothing (on a copy whose Exec lines run
#     the freshly built binary: the installed path need not exist here).
# Exits 77 (ctest: skipped) when systemd-analyze is missing or too old for
# --offline (systemd < 250).
#
# Usage: systemd_unit_test.sh system|user UNIT_FILE INSTALLED_BINARY BUILT_BINARY
set -euo pipefail
scope=$1
unit=$2
installed=$3
binary=$4
max_exposure=2.0
name=${unit##*/}
[[ $name == *@.service ]] && name=${name/@./@test.}

# `systemctl reload` must fail for a broken file: check-config first, then SIGHUP.
reloads=$(sed -n 's/^ExecReload=//p' "$unit")
if [[ $(head -n1 <<<"$reloads") != "$installed "*"check-config" ||
      $(tail -n +2 <<<"$reloads") != "/bin/kill -HUP \$MAINPID" ]]; then
  echo "FAIL: ExecReload= must be $installed ... check-config, then /bin/kill -HUP; it is:"
  echo "$reloads"
  exit 1
fi
echo "ExecReload: check-config, then SIGHUP"

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed"
  exit 77
fi
version=$(systemd-analyze --version | awk 'NR == 1 { print $2 }')
if [[ ! $version =~ ^[0-9]+$ ]] || (( version < 250 )); then
  echo "SKIP: systemd-analyze $version has no --offline (needs systemd 250 or later)"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$unit" "$work/$name"

if [[ $scope == system ]]; then
  report=$(systemd-analyze security --offline=true --no-pager "$work/$name" 2>&1) || true
  score=$(sed -n "s/.*Overall exposure level for ${name//./\\.}: \([0-9.]*\).*/\1/p" <<<"$report")
  if [[ -z $score ]]; then
    echo "FAIL: no exposure level in the output of systemd-analyze security:"
    echo "$report"
    exit 1
  fi
  echo "exposure level: $score (at most $max_exposure allowed)"
  if ! awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
    echo "FAIL: exposure $score > $max_exposure; the weak spots:"
    grep '✗' <<<"$report" || true
    exit 1
  fi
fi

sed -i "s|$installed|$binary|g" "$work/$name"
# --man=no: the man pages of Documentation= are checked by install_layout.
flags=(--man=no)
if [[ $scope == user ]]; then
  # A user manager needs a runtime directory, which a CI shell may lack.
  mkdir -m 0700 "$work/runtime"
  export XDG_RUNTIME_DIR=$work/runtime
  flags+=(--user)
fi
if ! verify=$(systemd-analyze "${flags[@]}" verify "$work/$name" 2>&1) || [[ -n $verify ]]; then
  echo "FAIL: systemd-analyze verify complains:"
  echo "$verify"
  exit 1
fi
echo "systemd-analyze verify: clean"
