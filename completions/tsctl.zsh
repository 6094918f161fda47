#compdef tsctl
# zsh completion for tsctl: the bash completion through bashcompinit.
autoload -U +X bashcompinit && bashcompinit
# bash completion for tsctl (generated from its command tree)
_tsctl_subcommands() {
  case "$1" in
    "") echo "alarm auth check compaction completion defrag del elect endpoint get lease lock make-mirror member migrate move-leader put role snapshot txn user version watch" ;;
    "alarm") echo "disarm list" ;;
    "auth") echo "enable disable" ;;
    "check") echo "perf datascale" ;;
    "completion") echo "bash zsh fish powershell" ;;
    "endpoint") echo "health status hashkv" ;;
    "lease") echo "grant revoke timetolive list keep-alive" ;;
    "member") echo "add remove update list promote" ;;
    "role") echo "add delete get list grant-permission revoke-permission" ;;
    "snapshot") echo "restore status save" ;;
    "user") echo "add delete get list passwd grant-role revoke-role" ;;
  esac
}
_tsctl_flags() {
  case "$1" in
    "alarm") echo "--help" ;;
    "alarm disarm") echo "--help" ;;
    "alarm list") echo "--help" ;;
    "auth") echo "--help" ;;
    "auth enable") echo "--help" ;;
    "auth disable") echo "--help" ;;
    "check") echo "--help" ;;
    "check perf") echo "--load --prefix --auto-compact --auto-defrag --help" ;;
    "check datascale") echo "--load --prefix --auto-compact --auto-defrag --help" ;;
    "compaction") echo "--physical --help" ;;
    "completion") echo "--help" ;;
    "completion bash") echo "--help" ;;
    "completion zsh") echo "--help" ;;
    "completion fish") echo "--help" ;;
    "completion powershell") echo "--help" ;;
    "defrag") echo "--cluster --data-dir --help" ;;
    "del") echo "--from-key --prefix --prev-kv --help" ;;
    "elect") echo "--listen -l --help" ;;
    "endpoint") echo "--cluster --help" ;;
    "endpoint health") echo "--help" ;;
    "endpoint status") echo "--help" ;;
    "endpoint hashkv") echo "--rev --help" ;;
    "get") echo "--consistency --from-key --keys-only --limit --order --prefix --print-value-only --rev --sort-by --help" ;;
    "lease") echo "--help" ;;
    "lease grant") echo "--help" ;;
    "lease revoke") echo "--help" ;;
    "lease timetolive") echo "--keys --help" ;;
    "lease list") echo "--help" ;;
    "lease keep-alive") echo "--once --help" ;;
    "lock") echo "--ttl --help" ;;
    "make-mirror") echo "--dest-cacert --dest-cert --dest-insecure-transport --dest-key --dest-prefix --no-dest-prefix --prefix --help" ;;
    "member") echo "--help" ;;
    "member add") echo "--learner --peer-urls --help" ;;
    "member remove") echo "--help" ;;
    "member update") echo "--peer-urls --help" ;;
    "member list") echo "--help" ;;
    "member promote") echo "--help" ;;
    "migrate") echo "--data-dir --no-ttl --transformer --wal-dir --help" ;;
    "move-leader") echo "--help" ;;
    "put") echo "--ignore-lease --ignore-value --lease --prev-kv --help" ;;
    "role") echo "--help" ;;
    "role add") echo "--help" ;;
    "role delete") echo "--help" ;;
    "role get") echo "--help" ;;
    "role list") echo "--help" ;;
    "role grant-permission") echo "--from-key --prefix --help" ;;
    "role revoke-permission") echo "--from-key --prefix --help" ;;
    "snapshot") echo "--help" ;;
    "snapshot restore") echo "--data-dir --wal-dir --initial-cluster --initial-cluster-token --initial-advertise-peer-urls --name --skip-hash-check --help" ;;
    "snapshot status") echo "--help" ;;
    "snapshot save") echo "--help" ;;
    "txn") echo "--interactive -i --help" ;;
    "user") echo "--help" ;;
    "user add") echo "--new-user-password --no-password --interactive --help" ;;
    "user delete") echo "--help" ;;
    "user get") echo "--detail --help" ;;
    "user list") echo "--help" ;;
    "user passwd") echo "--interactive --help" ;;
    "user grant-role") echo "--help" ;;
    "user revoke-role") echo "--help" ;;
    "version") echo "--help" ;;
    "watch") echo "--interactive -i --prefix --prev-kv --rev --help" ;;
  esac
}
_tsctl() {
  local cur="${COMP_WORDS[COMP_CWORD]}" path="" w i
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case " $(_tsctl_subcommands "$path") " in
      *" $w "*) path="${path:+$path }$w" ;;
    esac
  done
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_tsctl_flags "$path") --cacert --cert --command-timeout --debug --dial-timeout --discovery-srv -d --discovery-srv-name --endpoints --hex --insecure-discovery --insecure-skip-tls-verify --insecure-transport --keepalive-time --keepalive-timeout --key --password --user --write-out -w --help" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(_tsctl_subcommands "$path")" -- "$cur"))
  fi
}
complete -F _tsctl tsctl
