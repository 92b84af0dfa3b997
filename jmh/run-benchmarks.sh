#!/usr/bin/env bash
# Runs the benchmark suite and writes the results under docs/benchmarks/<date>/ (or --out DIR):
# the JMH JSON and log, a Markdown report with the target ratios, and an SVG chart.
# It builds the library and the benchmarks. Against your own servers:
#   jmh/run-benchmarks.sh --redis redis.example:6379 --etcd http://etcd.example:2379 [JMH args]
# With credentials: --redis-user NAME / --etcd-user NAME, passwords in the environment variables
# DISTLOCK_REDIS_PASSWORD / DISTLOCK_ETCD_PASSWORD (never on the command line).
# Without --redis / --etcd it starts its own redis-server and etcd on free loopback ports (data in
# a temporary directory) and stops them at the end. Extra arguments go to JMH (for example a
# benchmark pattern: jmh/run-benchmarks.sh --redis 10.0.0.5:6379 Uncontended -p impl=RedisLock).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
day=$(date -u +%Y-%m-%d)
out="$root/docs/benchmarks/$day"
redis_target=""
etcd_target=""
redis_user=""
etcd_user=""
command_line="jmh/run-benchmarks.sh $*"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --redis) redis_target=$2; shift 2 ;;
        --etcd) etcd_target=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --redis-user) redis_user=$2; shift 2 ;;
        --etcd-user) etcd_user=$2; shift 2 ;;
        --help|-h) sed -n '2,11p' "$0"; exit 0 ;;
        *) break ;;
    esac
done
if [[ -n "$redis_target" && ! "$redis_target" =~ ^[^:]+:[0-9]+$ ]]; then
    echo "--redis wants host:port, was '$redis_target'"; exit 2
fi
if [[ -n "$etcd_target" && ! "$etcd_target" =~ ^https?:// ]]; then
    echo "--etcd wants a client URL (http://host:port), was '$etcd_target'"; exit 2
fi
mkdir -p "$out"

tools=(redis-cli curl java mvn python3)
[[ -n "$redis_target" ]] || tools+=(redis-server)
[[ -n "$etcd_target" ]] || tools+=(etcd)
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "missing $tool (Debian: apt-get install redis-server redis-tools etcd-server curl)"; exit 1; }
done

(cd "$root" && mvn -q -B install -DskipTests)
mvn -q -B package

source ./servers.sh

props=(-Ddistlock.redis="$redis_target" -Ddistlock.etcd="$etcd_target"
       ${redis_user:+-Ddistlock.redis.user="$redis_user"} ${etcd_user:+-Ddistlock.etcd.user="$etcd_user"}
       -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "memory: $(free -h | awk '/Mem:/ {print $2}')"
    echo "java: $(java -version 2>&1 | sed -n 1p)"
    echo "redis: $redis_target, $(rcli info server | tr -d '\r' | grep '^redis_version' | cut -d: -f2)"
    echo "etcd: $etcd_target, $(curl -fs "$etcd_target/version")"
    echo "command: $command_line"
} > "$out/machine.txt"

# Redisson leaves non-daemon threads behind, and JMH dumps them at the end of each of its forks:
# keep those dumps out of the committed log
java "${props[@]}" -jar target/benchmarks.jar -rf json -rff "$out/jmh.json" "$@" \
    | tee >(grep -vE '^\s+at |^Thread\[|^\s*$' > "$out/jmh.log")
java "${props[@]}" -cp target/benchmarks.jar io.distlock.jmh.RegistryFootprint "${FOOTPRINT_NAMES:-1000000}" \
    | tee "$out/footprint.txt"
java "${props[@]}" -cp target/benchmarks.jar io.distlock.jmh.CrossProcessHandoff 1000 | tee "$out/crossprocess.txt"
java "${props[@]}" -cp target/benchmarks.jar io.distlock.jmh.CrossProcessSignal 500 | tee "$out/crossprocess-signal.txt"
python3 report.py "$out"
echo "report: $out/README.md"
