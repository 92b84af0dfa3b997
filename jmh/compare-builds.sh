#!/usr/bin/env bash
# Compares the benchmarks of an earlier commit with the working tree, against the same servers,
# alternating the two builds (old, new, old, new) so that drift of a shared machine hits both.
#   jmh/compare-builds.sh <commit> [repetitions] [JMH arguments...]
# e.g. jmh/compare-builds.sh fb63404 2 'ContendedBenchmark' -p impl=RedisLock,EtcdLockTxn
# It starts its own redis-server and etcd on free loopback ports; results go to target/compare/.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
commit=${1:?usage: compare-builds.sh <commit> [repetitions] [JMH arguments...]}
reps=${2:-2}
shift $(( $# >= 2 ? 2 : 1 ))
out="$root/jmh/target/compare"
mkdir -p "$out"
tree=$(mktemp -d)
git -C "$root" worktree add -q --detach "$tree/old" "$commit"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
redis_port=$(free_port); client_port=$(free_port); peer_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning > "$tree/redis.log" 2>&1 &
redis_pid=$!
etcd --data-dir "$tree/etcd" --listen-client-urls "http://127.0.0.1:$client_port" \
    --advertise-client-urls "http://127.0.0.1:$client_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" > "$tree/etcd.log" 2>&1 &
etcd_pid=$!
cleanup() {
    kill "$redis_pid" "$etcd_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    git -C "$root" worktree remove --force "$tree/old" || true
    rm -rf "$tree"
    # the working tree's library goes back into the local repository
    (cd "$root" && mvn -q -B install -Dmaven.test.skip=true) || true
}
trap cleanup EXIT
# each build's benchmark jar shades the library it was built against
(cd "$tree/old" && mvn -q -B install -Dmaven.test.skip=true && mvn -q -B -f jmh/pom.xml package)
cp "$tree/old/jmh/target/benchmarks.jar" "$tree/old.jar"
(cd "$root" && mvn -q -B install -Dmaven.test.skip=true && mvn -q -B -f jmh/pom.xml package)
cp "$root/jmh/target/benchmarks.jar" "$tree/new.jar"
props=(-Ddistlock.redis="127.0.0.1:$redis_port" -Ddistlock.etcd="http://127.0.0.1:$client_port"
       -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
for rep in $(seq 1 "$reps"); do
    for build in old new; do
        echo "== $build, repetition $rep"
        java "${props[@]}" -jar "$tree/$build.jar" "$@" -rf json -rff "$out/$build-$rep.json" \
            | grep -E '^Benchmark|^[A-Z][A-Za-z]+Benchmark\.' | tee "$out/$build-$rep.txt"
    done
done
echo "results: $out"
