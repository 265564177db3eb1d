#!/usr/bin/env bash
# `popfetchd import-config`: what it prints passes check-config; a bad --from,
# an unreadable or invalid file exit 2 with a message naming the file (and line).
#
# Usage: import_config_cli_test.sh POPFETCHD SAMPLES_DIR
set -euo pipefail
bin=$1
samples=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*"; exit 1; }

expect_exit() {  # expected status, then the command; stderr goes to $work/err
  local expected=$1 status=0
  shift
  "$@" > "$work/out" 2> "$work/err" || status=$?
  [[ $status == "$expected" ]] || fail "$* exited $status, expected $expected: $(cat "$work/err")"
}

for pair in fetchmail:fetchmailrc getmail:getmailrc getmail:getmailrc-mda mpop:mpoprc; do
  expect_exit 0 "$bin" import-config --from "${pair%%:*}" "$samples/${pair#*:}"
  cp "$work/out" "$work/$pair.yaml"
  chmod 600 "$work/$pair.yaml"
  expect_exit 0 "$bin" check-config -c "$work/$pair.yaml"
done

expect_exit 2 "$bin" import-config --from pine "$samples/mpoprc"
grep -q "unknown --from 'pine'" "$work/err" || fail "bad --from: $(cat "$work/err")"
expect_exit 2 "$bin" import-config --from mpop "$work/missing"
grep -q "$work/missing: cannot read" "$work/err" || fail "missing file: $(cat "$work/err")"
expect_exit 2 "$bin" import-config --from mpop "$work"
grep -q "cannot read: it is a directory" "$work/err" || fail "directory: $(cat "$work/err")"
printf 'poll a\n  user b password "open\n' > "$work/bad"
expect_exit 2 "$bin" import-config --from fetchmail "$work/bad"
grep -q "$work/bad: line 2: unterminated string" "$work/err" || fail "parse error: $(cat "$work/err")"
[[ ! -s "$work/out" ]] || fail "printed a config for an invalid file"
echo ok
