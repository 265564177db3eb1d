#!/usr/bin/env bash
# The bash completion offers the commands, a command's options, and the
# account names of the config named with -c.
#
# The commands it offers are exactly those of `popfetchd --help`.
#
# Usage: completion_test.sh COMPLETION_SCRIPT POPFETCHD_BINARY
set -euo pipefail
source "$1"
binary=$2
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
check "probe " popfetchd pr
check "search show status " popfetchd s
check "--account --help --json --limit " popfetchd -c "$work/p.yaml" list --
check "--help alice homelab work.bob " popfetchd -c "$work/p.yaml" poll-once ""
check "work.bob " popfetchd -c "$work/p.yaml" list --account w
check "--account --all " popfetchd deliver --a
check "fetchmail " popfetchd import-config --from f
check "import import-config " popfetchd im
# Every subcommand of the binary, and nothing else, from an empty command line.
commands=$("$binary" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF { print $1 }' | sort | tr '\n' ' ')
offered=$(complete_line popfetchd "" | tr ' ' '\n' | grep -v '^-' | sort | tr '\n' ' ' | sed 's/^ *//')
if [[ $offered != "$commands" ]]; then
  echo "FAIL: the completion offers '$offered'; the binary has '$commands'"
  exit 1
fi
echo "bash completion: commands, options and account names"
