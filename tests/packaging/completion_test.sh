#!/usr/bin/env bash
# The bash completion offers the commands, a command's options, and the
# account names of the config named with -c.
#
# Usage: completion_test.sh COMPLETION_SCRIPT
set -euo pipefail
source "$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/p.yaml" <<'YAML'
accounts:
  - name: alice
    username: not-an-account
    server: pop.example.com
  - {server: s, name: work.bob}
  -   name: "homelab"
YAML

complete_line() {  # the words of a command line, the last one being completed
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _popfetchd
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}

check() {
  local expected=$1
  shift
  local got
  got=$(complete_line "$@")
  if [[ $got != "$expected" ]]; then
    echo "FAIL: completing '$*': expected '$expected', got '$got'"
    exit 1
  fi
}

check "poll-once " popfetchd poll
check "search show status " popfetchd s
check "--account --help --json --limit " popfetchd -c "$work/p.yaml" list --
check "--help alice homelab work.bob " popfetchd -c "$work/p.yaml" poll-once ""
check "work.bob " popfetchd -c "$work/p.yaml" list --account w
check "--account --all " popfetchd deliver --a
check "fetchmail " popfetchd import-config --from f
check "import import-config " popfetchd im
echo "bash completion: commands, options and account names"
