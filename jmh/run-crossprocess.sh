#!/usr/bin/env bash
# Cross-JVM hand-over run: N JVMs contend for one lock name, per candidate; prints the hand-over
# latency percentiles, the hand-overs per second and each JVM's share of the acquisitions while
# all contend. Uses the servers named by REDIS (host:port) and ETCD (a client URL) if set, else
# starts its own redis-server and etcd on free loopback ports and stops them at the end.
#   IMPLS=RedisLock,RedisFairLock JVMS=2 ROUNDS=1000 jmh/run-crossprocess.sh
# Needs the benchmarks jar (cd jmh && mvn package, after mvn install at the root).
set -euo pipefail
cd "$(dirname "$0")"
impls=${IMPLS:-RedisLock,RedisFairLock,Redisson,RedissonFairLock,EtcdLockTxn,EtcdFairLockTxn,EtcdLockService}
jvms=${JVMS:-2}
rounds=${ROUNDS:-1000}
pids=()
tmp=$(mktemp -d)
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
if [[ -z "${REDIS:-}" ]]; then
    port=$(free_port)
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning > "$tmp/redis.log" 2>&1 &
    pids+=($!)
    REDIS=127.0.0.1:$port
    for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
if [[ -z "${ETCD:-}" ]]; then
    cport=$(free_port); pport=$(free_port)
    etcd --data-dir "$tmp/etcd" --listen-client-urls "http://127.0.0.1:$cport" \
        --advertise-client-urls "http://127.0.0.1:$cport" --listen-peer-urls "http://127.0.0.1:$pport" \
        --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "default=http://127.0.0.1:$pport" > "$tmp/etcd.log" 2>&1 &
    pids+=($!)
    ETCD=http://127.0.0.1:$cport
    for _ in $(seq 1 100); do curl -fs "$ETCD/health" >/dev/null 2>&1 && break; sleep 0.1; done
fi
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; redis $REDIS; etcd $ETCD; $jvms JVMs; $rounds rounds (etcd: a tenth)"
java -Ddistlock.redis="$REDIS" -Ddistlock.etcd="$ETCD" -Ddistlock.handoff.impls="$impls" \
    -Ddistlock.handoff.jvms="$jvms" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp target/benchmarks.jar io.distlock.jmh.CrossProcessHandoff "$rounds"
