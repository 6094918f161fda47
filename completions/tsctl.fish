# fish completion for tsctl (generated from its command tree)
complete -c tsctl -f
complete -c tsctl -n '__fish_use_subcommand' -a alarm
complete -c tsctl -n '__fish_use_subcommand' -a auth
complete -c tsctl -n '__fish_use_subcommand' -a check
complete -c tsctl -n '__fish_use_subcommand' -a compaction
complete -c tsctl -n '__fish_use_subcommand' -a completion
complete -c tsctl -n '__fish_use_subcommand' -a defrag
complete -c tsctl -n '__fish_use_subcommand' -a del
complete -c tsctl -n '__fish_use_subcommand' -a elect
complete -c tsctl -n '__fish_use_subcommand' -a endpoint
complete -c tsctl -n '__fish_use_subcommand' -a get
complete -c tsctl -n '__fish_use_subcommand' -a lease
complete -c tsctl -n '__fish_use_subcommand' -a lock
complete -c tsctl -n '__fish_use_subcommand' -a make-mirror
complete -c tsctl -n '__fish_use_subcommand' -a member
complete -c tsctl -n '__fish_use_subcommand' -a migrate
complete -c tsctl -n '__fish_use_subcommand' -a move-leader
complete -c tsctl -n '__fish_use_subcommand' -a put
complete -c tsctl -n '__fish_use_subcommand' -a role
complete -c tsctl -n '__fish_use_subcommand' -a snapshot
complete -c tsctl -n '__fish_use_subcommand' -a txn
complete -c tsctl -n '__fish_use_subcommand' -a user
complete -c tsctl -n '__fish_use_subcommand' -a version
complete -c tsctl -n '__fish_use_subcommand' -a watch
complete -c tsctl -l cacert -d 'verify certificates of TLS-enabled secure servers using this CA bundle'
complete -c tsctl -l cert -d 'identify secure client using this TLS certificate file'
complete -c tsctl -l command-timeout -d 'timeout for short running command (excluding dial timeout)'
complete -c tsctl -l debug -d 'enable client-side debug logging'
complete -c tsctl -l dial-timeout -d 'dial timeout for client connections'
complete -c tsctl -l discovery-srv -d 'domain name to query for SRV records describing cluster endpoints'
complete -c tsctl -s d -d 'domain name to query for SRV records describing cluster endpoints'
complete -c tsctl -l discovery-srv-name -d 'service name to query when using DNS discovery'
complete -c tsctl -l endpoints -d 'gRPC endpoints'
complete -c tsctl -l hex -d 'print byte strings as hex encoded strings'
complete -c tsctl -l insecure-discovery -d 'accept insecure SRV records describing cluster endpoints'
complete -c tsctl -l insecure-skip-tls-verify -d 'skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)'
complete -c tsctl -l insecure-transport -d 'disable transport security for client connections'
complete -c tsctl -l keepalive-time -d 'keepalive time for client connections'
complete -c tsctl -l keepalive-timeout -d 'keepalive timeout for client connections'
complete -c tsctl -l key -d 'identify secure client using this TLS key file'
complete -c tsctl -l password -d 'password for authentication (if this option is used, --user option shouldn\'t include password)'
complete -c tsctl -l user -d 'username[:password] for authentication (prompt if password is not supplied)'
complete -c tsctl -l write-out -d 'set the output format (fields, json, protobuf, simple, table)'
complete -c tsctl -s w -d 'set the output format (fields, json, protobuf, simple, table)'
complete -c tsctl -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from alarm' -a disarm
complete -c tsctl -n '__fish_seen_subcommand_from alarm' -a list
complete -c tsctl -n '__fish_seen_subcommand_from alarm' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from alarm; and __fish_seen_subcommand_from disarm' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from alarm; and __fish_seen_subcommand_from list' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from auth' -a enable
complete -c tsctl -n '__fish_seen_subcommand_from auth' -a disable
complete -c tsctl -n '__fish_seen_subcommand_from auth' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from auth; and __fish_seen_subcommand_from enable' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from auth; and __fish_seen_subcommand_from disable' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from check' -a perf
complete -c tsctl -n '__fish_seen_subcommand_from check' -a datascale
complete -c tsctl -n '__fish_seen_subcommand_from check' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from perf' -l load -d 'The performance check\'s workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from perf' -l prefix -d 'The prefix for writing the performance check\'s keys.'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from perf' -l auto-compact -d 'Compact storage with last revision after test is finished.'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from perf' -l auto-defrag -d 'Defragment storage after test is finished.'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from perf' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from datascale' -l load -d 'The datascale check\'s workload model. Accepted workloads: s(small), m(medium), l(large), xl(xLarge)'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from datascale' -l prefix -d 'The prefix for writing the datascale check\'s keys.'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from datascale' -l auto-compact -d 'Compact storage with last revision after test is finished.'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from datascale' -l auto-defrag -d 'Defragment storage after test is finished.'
complete -c tsctl -n '__fish_seen_subcommand_from check; and __fish_seen_subcommand_from datascale' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from compaction' -l physical -d '\'true\' to wait for compaction to physically remove all old revisions'
complete -c tsctl -n '__fish_seen_subcommand_from compaction' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from completion' -a bash
complete -c tsctl -n '__fish_seen_subcommand_from completion' -a zsh
complete -c tsctl -n '__fish_seen_subcommand_from completion' -a fish
complete -c tsctl -n '__fish_seen_subcommand_from completion' -a powershell
complete -c tsctl -n '__fish_seen_subcommand_from completion' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from completion; and __fish_seen_subcommand_from bash' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from completion; and __fish_seen_subcommand_from zsh' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from completion; and __fish_seen_subcommand_from fish' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from completion; and __fish_seen_subcommand_from powershell' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from defrag' -l cluster -d 'use all endpoints from the cluster member list'
complete -c tsctl -n '__fish_seen_subcommand_from defrag' -l data-dir -d 'Optional. If present, defragments a data directory not in use by etcd.'
complete -c tsctl -n '__fish_seen_subcommand_from defrag' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from del' -l from-key -d 'delete keys that are greater than or equal to the given key using byte compare'
complete -c tsctl -n '__fish_seen_subcommand_from del' -l prefix -d 'delete keys with matching prefix'
complete -c tsctl -n '__fish_seen_subcommand_from del' -l prev-kv -d 'return deleted key-value pairs'
complete -c tsctl -n '__fish_seen_subcommand_from del' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from elect' -l listen -d 'observation mode'
complete -c tsctl -n '__fish_seen_subcommand_from elect' -s l -d 'observation mode'
complete -c tsctl -n '__fish_seen_subcommand_from elect' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from endpoint' -a health
complete -c tsctl -n '__fish_seen_subcommand_from endpoint' -a status
complete -c tsctl -n '__fish_seen_subcommand_from endpoint' -a hashkv
complete -c tsctl -n '__fish_seen_subcommand_from endpoint' -l cluster -d 'use all endpoints from the cluster member list'
complete -c tsctl -n '__fish_seen_subcommand_from endpoint' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from endpoint; and __fish_seen_subcommand_from health' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from endpoint; and __fish_seen_subcommand_from status' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from endpoint; and __fish_seen_subcommand_from hashkv' -l rev -d 'maximum revision to hash (default: all revisions)'
complete -c tsctl -n '__fish_seen_subcommand_from endpoint; and __fish_seen_subcommand_from hashkv' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l consistency -d 'Linearizable(l) or Serializable(s)'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l from-key -d 'Get keys that are greater than or equal to the given key using byte compare'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l keys-only -d 'Get only the keys'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l limit -d 'Maximum number of results'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l order -d 'Order of results; ASCEND or DESCEND (ASCEND by default)'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l prefix -d 'Get keys with matching prefix'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l print-value-only -d 'Only write values when using the "simple" output format'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l rev -d 'Specify the kv revision'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l sort-by -d 'Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION'
complete -c tsctl -n '__fish_seen_subcommand_from get' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from lease' -a grant
complete -c tsctl -n '__fish_seen_subcommand_from lease' -a revoke
complete -c tsctl -n '__fish_seen_subcommand_from lease' -a timetolive
complete -c tsctl -n '__fish_seen_subcommand_from lease' -a list
complete -c tsctl -n '__fish_seen_subcommand_from lease' -a keep-alive
complete -c tsctl -n '__fish_seen_subcommand_from lease' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from lease; and __fish_seen_subcommand_from grant' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from lease; and __fish_seen_subcommand_from revoke' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from lease; and __fish_seen_subcommand_from timetolive' -l keys -d 'Get keys attached to this lease'
complete -c tsctl -n '__fish_seen_subcommand_from lease; and __fish_seen_subcommand_from timetolive' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from lease; and __fish_seen_subcommand_from list' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from lease; and __fish_seen_subcommand_from keep-alive' -l once -d 'Resets the keep-alive time to its original value and exits immediately'
complete -c tsctl -n '__fish_seen_subcommand_from lease; and __fish_seen_subcommand_from keep-alive' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from lock' -l ttl -d 'timeout for session'
complete -c tsctl -n '__fish_seen_subcommand_from lock' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from make-mirror' -l dest-cacert -d 'Verify certificates of TLS enabled secure servers using this CA bundle'
complete -c tsctl -n '__fish_seen_subcommand_from make-mirror' -l dest-cert -d 'Identify secure client using this TLS certificate file for the destination cluster'
complete -c tsctl -n '__fish_seen_subcommand_from make-mirror' -l dest-insecure-transport -d 'Disable transport security for client connections'
complete -c tsctl -n '__fish_seen_subcommand_from make-mirror' -l dest-key -d 'Identify secure client using this TLS key file'
complete -c tsctl -n '__fish_seen_subcommand_from make-mirror' -l dest-prefix -d 'destination prefix to mirror a prefix to a different prefix in the destination cluster'
complete -c tsctl -n '__fish_seen_subcommand_from make-mirror' -l no-dest-prefix -d 'mirror key-values to the root of the destination cluster'
complete -c tsctl -n '__fish_seen_subcommand_from make-mirror' -l prefix -d 'Key-value prefix to mirror'
complete -c tsctl -n '__fish_seen_subcommand_from make-mirror' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from member' -a add
complete -c tsctl -n '__fish_seen_subcommand_from member' -a remove
complete -c tsctl -n '__fish_seen_subcommand_from member' -a update
complete -c tsctl -n '__fish_seen_subcommand_from member' -a list
complete -c tsctl -n '__fish_seen_subcommand_from member' -a promote
complete -c tsctl -n '__fish_seen_subcommand_from member' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from member; and __fish_seen_subcommand_from add' -l learner -d 'indicates if the new member is raft learner'
complete -c tsctl -n '__fish_seen_subcommand_from member; and __fish_seen_subcommand_from add' -l peer-urls -d 'comma separated peer URLs for the new member.'
complete -c tsctl -n '__fish_seen_subcommand_from member; and __fish_seen_subcommand_from add' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from member; and __fish_seen_subcommand_from remove' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from member; and __fish_seen_subcommand_from update' -l peer-urls -d 'comma separated peer URLs for the updated member.'
complete -c tsctl -n '__fish_seen_subcommand_from member; and __fish_seen_subcommand_from update' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from member; and __fish_seen_subcommand_from list' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from member; and __fish_seen_subcommand_from promote' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from migrate' -l data-dir -d 'Path to the data directory'
complete -c tsctl -n '__fish_seen_subcommand_from migrate' -l no-ttl -d 'Do not convert TTL keys'
complete -c tsctl -n '__fish_seen_subcommand_from migrate' -l transformer -d 'Path to the user-provided transformer program'
complete -c tsctl -n '__fish_seen_subcommand_from migrate' -l wal-dir -d 'Path to the WAL directory'
complete -c tsctl -n '__fish_seen_subcommand_from migrate' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from move-leader' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from put' -l ignore-lease -d 'updates the key using its current lease'
complete -c tsctl -n '__fish_seen_subcommand_from put' -l ignore-value -d 'updates the key using its current value'
complete -c tsctl -n '__fish_seen_subcommand_from put' -l lease -d 'lease ID (in hexadecimal) to attach to the key'
complete -c tsctl -n '__fish_seen_subcommand_from put' -l prev-kv -d 'return the previous key-value pair before modification'
complete -c tsctl -n '__fish_seen_subcommand_from put' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from role' -a add
complete -c tsctl -n '__fish_seen_subcommand_from role' -a delete
complete -c tsctl -n '__fish_seen_subcommand_from role' -a get
complete -c tsctl -n '__fish_seen_subcommand_from role' -a list
complete -c tsctl -n '__fish_seen_subcommand_from role' -a grant-permission
complete -c tsctl -n '__fish_seen_subcommand_from role' -a revoke-permission
complete -c tsctl -n '__fish_seen_subcommand_from role' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from add' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from delete' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from get' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from list' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from grant-permission' -l from-key -d 'grant a permission of keys that are greater than or equal to the given key using byte compare'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from grant-permission' -l prefix -d 'grant a prefix permission'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from grant-permission' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from revoke-permission' -l from-key -d 'revoke a permission of keys that are greater than or equal to the given key using byte compare'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from revoke-permission' -l prefix -d 'revoke a prefix permission'
complete -c tsctl -n '__fish_seen_subcommand_from role; and __fish_seen_subcommand_from revoke-permission' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot' -a restore
complete -c tsctl -n '__fish_seen_subcommand_from snapshot' -a status
complete -c tsctl -n '__fish_seen_subcommand_from snapshot' -a save
complete -c tsctl -n '__fish_seen_subcommand_from snapshot' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from restore' -l data-dir -d 'Path to the data directory'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from restore' -l wal-dir -d 'Path to the WAL directory (use --data-dir if none given)'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from restore' -l initial-cluster -d 'Initial cluster configuration for restore bootstrap'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from restore' -l initial-cluster-token -d 'Initial cluster token for the etcd cluster during restore bootstrap'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from restore' -l initial-advertise-peer-urls -d 'List of this member\'s peer URLs to advertise to the rest of the cluster'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from restore' -l name -d 'Human-readable name for this member'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from restore' -l skip-hash-check -d 'Ignore snapshot integrity hash value (required if copied from data directory)'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from restore' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from status' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from snapshot; and __fish_seen_subcommand_from save' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from txn' -l interactive -d 'Input transaction in interactive mode'
complete -c tsctl -n '__fish_seen_subcommand_from txn' -s i -d 'Input transaction in interactive mode'
complete -c tsctl -n '__fish_seen_subcommand_from txn' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from user' -a add
complete -c tsctl -n '__fish_seen_subcommand_from user' -a delete
complete -c tsctl -n '__fish_seen_subcommand_from user' -a get
complete -c tsctl -n '__fish_seen_subcommand_from user' -a list
complete -c tsctl -n '__fish_seen_subcommand_from user' -a passwd
complete -c tsctl -n '__fish_seen_subcommand_from user' -a grant-role
complete -c tsctl -n '__fish_seen_subcommand_from user' -a revoke-role
complete -c tsctl -n '__fish_seen_subcommand_from user' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from add' -l new-user-password -d 'Supply password from the command line flag'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from add' -l no-password -d 'Create a user without password (CN based auth only)'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from add' -l interactive -d 'Read password from stdin instead of interactive terminal'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from add' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from delete' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from get' -l detail -d 'Show permissions of roles granted to the user'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from get' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from list' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from passwd' -l interactive -d 'If true, read password from stdin instead of interactive terminal'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from passwd' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from grant-role' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from user; and __fish_seen_subcommand_from revoke-role' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from version' -l help -d 'help'
complete -c tsctl -n '__fish_seen_subcommand_from watch' -l interactive -d 'Interactive mode'
complete -c tsctl -n '__fish_seen_subcommand_from watch' -s i -d 'Interactive mode'
complete -c tsctl -n '__fish_seen_subcommand_from watch' -l prefix -d 'Watch on a prefix if prefix is set'
complete -c tsctl -n '__fish_seen_subcommand_from watch' -l prev-kv -d 'get the previous key-value pair before the event happens'
complete -c tsctl -n '__fish_seen_subcommand_from watch' -l rev -d 'Revision to start watching'
complete -c tsctl -n '__fish_seen_subcommand_from watch' -l help -d 'help'
