# Sourced by the run scripts: the servers a run uses. In: redis_target (host:port), etcd_target
# (a client URL), redis_user, and optionally redis_tls (non-empty: TLS), redis_ca and etcd_ca (CA
# files, PEM); empty targets make it start its own redis-server / etcd on free loopback ports
# (data in a temporary directory, in /dev/shm where there is one; stopped on exit). Out:
# redis_target, etcd_target, redis_host, redis_port, rcli (redis-cli with the credentials and TLS
# settings), ecurl (curl with the etcd CA), tmp, started (the servers it started); it exits unless
# both answer.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
# in memory where /dev/shm is there: etcd syncs its log to disk on every write, and on a disk the
# run would measure the disk's latency (and its noise) as much as the locks'
if [[ -d /dev/shm && -w /dev/shm ]]; then tmp=$(mktemp -d -p /dev/shm); else tmp=$(mktemp -d); fi
pids=()
started=""
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
# servers of its own are started on loopback only
if [[ -z "$redis_target" ]]; then
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
        --loglevel warning > "$tmp/redis.log" 2>&1 &
    pids+=($!)
    redis_target="127.0.0.1:$redis_port"
    started+=" redis-server"
fi
if [[ -z "$etcd_target" ]]; then
    client_port=$(free_port); peer_port=$(free_port)
    etcd --data-dir "$tmp/etcd" --listen-client-urls "http://127.0.0.1:$client_port" \
        --advertise-client-urls "http://127.0.0.1:$client_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
        --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
        --initial-cluster "default=http://127.0.0.1:$peer_port" > "$tmp/etcd.log" 2>&1 &
    pids+=($!)
    etcd_target="http://127.0.0.1:$client_port"
    started+=" etcd"
fi
redis_host=${redis_target%:*}
redis_port=${redis_target##*:}
rcli() {
    local tls=()
    [[ -z "${redis_tls:-}" ]] || tls=(--tls)
    [[ -z "${redis_ca:-}" ]] || tls+=(--cacert "$redis_ca")
    if [[ -n "$redis_user" ]]; then
        REDISCLI_AUTH="${DISTLOCK_REDIS_PASSWORD:-}" redis-cli --no-auth-warning --user "$redis_user" ${tls[@]+"${tls[@]}"} -h "$redis_host" -p "$redis_port" "$@"
    elif [[ -n "${DISTLOCK_REDIS_PASSWORD:-}" ]]; then
        REDISCLI_AUTH="$DISTLOCK_REDIS_PASSWORD" redis-cli --no-auth-warning ${tls[@]+"${tls[@]}"} -h "$redis_host" -p "$redis_port" "$@"
    else
        redis-cli ${tls[@]+"${tls[@]}"} -h "$redis_host" -p "$redis_port" "$@"
    fi
}
ecurl() {
    if [[ -n "${etcd_ca:-}" ]]; then curl -fs --cacert "$etcd_ca" "$@"; else curl -fs "$@"; fi
}
for _ in $(seq 1 100); do
    if [[ "$(rcli ping 2>/dev/null)" == PONG ]] \
        && ecurl "$etcd_target/health" >/dev/null 2>&1; then break; fi
    sleep 0.1
done
[[ "$(rcli ping 2>/dev/null)" == PONG ]] || { echo "no Redis answers PONG at $redis_target (check the address, the credentials and, for TLS, --redis-ca)"; exit 1; }
ecurl "$etcd_target/health" >/dev/null 2>&1 || { echo "no etcd answers at $etcd_target (check the address and, for TLS, --etcd-ca)"; exit 1; }

