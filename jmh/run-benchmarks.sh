#!/usr/bin/env bash
# Runs the benchmark suite on this machine and writes the results under docs/benchmarks/<date>/:
# the JMH JSON and log, a Markdown report with the target ratios, and an SVG chart.
# It builds the library and the benchmarks, starts its own redis-server and etcd on free loopback
# ports (data in a temporary directory), and stops them at the end. Extra arguments go to JMH
# (for example a benchmark pattern: ./run-benchmarks.sh Uncontended).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
day=$(date -u +%Y-%m-%d)
out="$root/docs/benchmarks/$day"
mkdir -p "$out"

for tool in redis-server etcd java mvn python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool (Debian: apt-get install redis-server etcd-server)"; exit 1; }
done

(cd "$root" && mvn -q -B install -DskipTests)
mvn -q -B package

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
redis_port=$(free_port); client_port=$(free_port); peer_port=$(free_port)
tmp=$(mktemp -d)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --loglevel warning > "$tmp/redis.log" 2>&1 &
redis_pid=$!
etcd --data-dir "$tmp/etcd" --listen-client-urls "http://127.0.0.1:$client_port" \
    --advertise-client-urls "http://127.0.0.1:$client_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "default=http://127.0.0.1:$peer_port" > "$tmp/etcd.log" 2>&1 &
etcd_pid=$!
cleanup() { kill "$redis_pid" "$etcd_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
    if redis-cli -p "$redis_port" ping >/dev/null 2>&1 \
        && curl -fs "http://127.0.0.1:$client_port/health" >/dev/null 2>&1; then break; fi
    sleep 0.1
done

props=(-Ddistlock.redis="127.0.0.1:$redis_port" -Ddistlock.etcd="http://127.0.0.1:$client_port"
       -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "memory: $(free -h | awk '/Mem:/ {print $2}')"
    echo "java: $(java -version 2>&1 | head -1)"
    echo "redis: $(redis-server --version | cut -d' ' -f3)"
    echo "etcd: $(etcd --version | head -1 | cut -d' ' -f3), data on $(df -h --output=fstype "$tmp" | tail -1)"
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
