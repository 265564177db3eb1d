# bash completion for popfetchd: commands, their options, and account names
# read from the config (-c FILE, else the file popfetchd itself would use).

_popfetchd_config() {
  local i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ ${COMP_WORDS[i]} == -c || ${COMP_WORDS[i]} == --config ]]; then
      printf '%s\n' "${COMP_WORDS[i + 1]}"
      return
    fi
  done
  if [[ -n ${POPFETCHD_CONFIG:-} ]]; then
    printf '%s\n' "$POPFETCHD_CONFIG"
  elif [[ $EUID -ne 0 && -r ${XDG_CONFIG_HOME:-$HOME/.config}/popfetchd/popfetchd.yaml ]]; then
    printf '%s\n' "${XDG_CONFIG_HOME:-$HOME/.config}/popfetchd/popfetchd.yaml"
  else
    printf '%s\n' /etc/popfetchd/popfetchd.yaml
  fi
}

# Account names: the "name:" entries of the config (a file the user may read).
_popfetchd_accounts() {
  local config
  config=$(_popfetchd_config)
  [[ -r $config ]] || return
  sed -n 's/.*\(^\|[{,[:space:]-]\)name:[[:space:]]*["'\'']\{0,1\}\([A-Za-z0-9._-]*\).*/\2/p' "$config"
}

_popfetchd() {
  local cur prev command="" i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  local commands="run check-config poll-once probe status list search show export import import-config backup migrate deliver"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      -c | --config) ((i++)) ;;
      -*) ;;
      *) command=${COMP_WORDS[i]}; break ;;
    esac
  done

  case $prev in
    -c | --config | --mbox | --socket | --to) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --from) COMPREPLY=($(compgen -W "fetchmail getmail mpop" -- "$cur")); return ;;
    --maildir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --account) COMPREPLY=($(compgen -W "$(_popfetchd_accounts)" -- "$cur")); return ;;
    --limit | --since) return ;;
  esac

  local options
  case $command in
    "") COMPREPLY=($(compgen -W "$commands -c --config --help --version" -- "$cur")); return ;;
    check-config) options="--strict" ;;
    poll-once | probe) COMPREPLY=($(compgen -W "$(_popfetchd_accounts) --help" -- "$cur")); return ;;
    status) options="--json --socket" ;;
    list) options="--account --limit --json" ;;
    search) options="--account --limit --json" ;;
    show) options="--headers" ;;
    export) options="--maildir --mbox --account" ;;
    import) options="--maildir --mbox --account" ;;
    backup) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    migrate) options="--to" ;;
    import-config)
      [[ $cur == -* ]] || { COMPREPLY=($(compgen -f -- "$cur")); return; }
      options="--from" ;;
    deliver) options="--account --since --all" ;;
  esac
  COMPREPLY=($(compgen -W "$options --help" -- "$cur"))
}
complete -F _popfetchd popfetchd
