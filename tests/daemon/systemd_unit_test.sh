#!/usr/bin/env bash
# Checks systemd/popfetchd.service with systemd's own tools:
#   - `systemd-analyze security --offline=true` rates it at most 2.0 ("OK");
#   - `systemd-analyze verify` finds nothing (on a copy whose ExecStart points
#     at the freshly built binary: the installed path need not exist here).
#   - a reload checks the config before it signals the daemon (no systemd needed).
# Exits 77 (ctest: skipped) when systemd-analyze is missing or too old for
# --offline (systemd < 250).
#
# Usage: systemd_unit_test.sh UNIT_FILE POPFETCHD_BINARY
set -euo pipefail
unit=$1
binary=$2
max_exposure=2.0

# `systemctl reload` must fail for a broken file: check-config first, then SIGHUP.
reloads=$(sed -n 's/^ExecReload=//p' "$unit")
expected_reloads="/usr/local/bin/popfetchd -c /etc/popfetchd/popfetchd.yaml check-config
/bin/kill -HUP \$MAINPID"
if [[ $reloads != "$expected_reloads" ]]; then
  echo "FAIL: ExecReload= must be check-config, then kill -HUP; it is:"
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
cp "$unit" "$work/popfetchd.service"

report=$(systemd-analyze security --offline=true --no-pager "$work/popfetchd.service" 2>&1) || true
score=$(sed -n 's/.*Overall exposure level for popfetchd.service: \([0-9.]*\).*/\1/p' <<<"$report")
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

sed -i "s|/usr/local/bin/popfetchd|$binary|g" "$work/popfetchd.service"
if ! verify=$(systemd-analyze verify "$work/popfetchd.service" 2>&1) || [[ -n $verify ]]; then
  echo "FAIL: systemd-analyze verify complains:"
  echo "$verify"
  exit 1
fi
echo "systemd-analyze verify: clean"
