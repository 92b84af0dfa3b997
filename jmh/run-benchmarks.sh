#!/usr/bin/env bash
# Runs the benchmark scenarios and writes the results under docs/benchmarks/<date>/ (or --out DIR):
# JMH JSON and logs, the cross-JVM figures, the machine and the command, README.md with the target
# ratios, index.html with linear-axis SVG charts (error bars) and every result in a table.
# It builds the library and the benchmarks. Against your own servers:
#   jmh/run-benchmarks.sh --redis redis.example:6379 --etcd http://etcd.example:2379
# With credentials: --redis-user NAME / --etcd-user NAME, passwords in the environment variables
# DISTLOCK_REDIS_PASSWORD / DISTLOCK_ETCD_PASSWORD (never on the command line). With TLS:
# --redis rediss://host:port and --etcd https://host:port; --redis-ca FILE / --etcd-ca FILE (PEM)
# for servers whose certificates a private CA signed (else the JVM's default trust store). Every
# candidate checks that the certificate names the host.
# Without --redis / --etcd it starts its own redis-server and etcd on free loopback ports (data in
# a temporary directory) and stops them at the end.
#   --scenarios LIST  uncontended,interleaved,reacquire,contended,names,readwrite,processes,footprint,
#                     signal,virtual (default: all; "interleaved" is the uncontended pairs of each
#                     candidate and its floor in alternating batches, ratios taken per round, 30
#                     rounds; "processes" is N JVMs on one name: hand-overs/s, shares and
#                     the hand-over latency distribution; "virtual" is 64 virtual against 64
#                     platform threads on 4 names, run on the JDK of VT_JAVA_HOME, default
#                     /usr/lib/jvm/temurin-25-jdk-amd64, and skipped with a warning without one)
#   --threads LIST    thread counts of the one-JVM contended scenario (default 1,2,4,8)
#   --processes LIST  JVM counts of the processes scenario (default 2,4,8)
#   --repeats N       runs of each JVM count, for the error bars (default 3)
#   --rounds N        acquisitions per JVM and run (default 1000; etcd candidates a tenth)
#   --impls LIST      candidates of the JMH scenarios (default: each scenario's own list; a name
#                     must be one every chosen scenario knows, see jmh/README.md: read/write
#                     takes RedisReadLock and the like); IMPLS (environment) for processes
#   --duration S      seconds per measured JMH iteration (default 2)
#   --forks N         JMH forks (default 3 for uncontended, 1 for the others)
#   -- ARGS           passed to every JMH run
set -euo pipefail
invoked_from=$PWD
command_line="jmh/run-benchmarks.sh$(printf ' %q' "$@")"
cd "$(dirname "$0")"
root=$(cd .. && pwd)
day=$(date -u +%Y-%m-%d)
out="$root/docs/benchmarks/$day"
redis_target=""
etcd_target=""
redis_user=""
etcd_user=""
redis_tls=""
redis_ca=""
etcd_ca=""
scenarios="uncontended,interleaved,reacquire,contended,names,readwrite,processes,footprint,signal,virtual"
threads="1,2,4,8"
processes="2,4,8"
repeats=3
rounds=1000
impls=""
duration=2
forks=""
jmh_extra=()
value_options="--redis --etcd --out --redis-user --etcd-user --redis-ca --etcd-ca --scenarios --threads --processes
    --repeats --rounds --impls --duration --forks"
value_options=$(echo $value_options)
while [[ $# -gt 0 ]]; do
    if [[ " $value_options " == *" $1 "* && $# -lt 2 ]]; then echo "$1 wants a value"; exit 2; fi
    case "$1" in
        --redis) redis_target=$2; shift 2 ;;
        --etcd) etcd_target=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --redis-user) redis_user=$2; shift 2 ;;
        --etcd-user) etcd_user=$2; shift 2 ;;
        --redis-ca) redis_ca=$2; shift 2 ;;
        --etcd-ca) etcd_ca=$2; shift 2 ;;
        --scenarios) scenarios=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --processes) processes=$2; shift 2 ;;
        --repeats) repeats=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --impls) impls=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --forks) forks=$2; shift 2 ;;
        --help|-h) sed -n '2,/^set -e/{/^set -e/!p}' "$(basename "$0")"; exit 0 ;;
        --) shift; jmh_extra=("$@"); break ;;
        *) echo "unknown option '$1' (--help lists them; JMH arguments go after --)"; exit 2 ;;
    esac
done
case "$redis_target" in
    rediss://*) redis_tls=true; redis_target=${redis_target#rediss://} ;;
    redis://*) redis_target=${redis_target#redis://} ;;
esac
if [[ -n "$redis_target" && ! "$redis_target" =~ ^[^:/]+:[0-9]+$ ]]; then
    echo "--redis wants host:port, redis://host:port or rediss://host:port (TLS), was '$redis_target'"; exit 2
fi
if [[ -n "$etcd_target" && ! "$etcd_target" =~ ^https?://[^/]+(:[0-9]+)?/?$ ]]; then
    echo "--etcd wants a client URL (http://host:port, https://host:port for TLS), was '$etcd_target'"; exit 2
fi
etcd_target=${etcd_target%/}
if [[ -n "$redis_ca" && -z "$redis_tls" ]]; then echo "--redis-ca wants a TLS server: --redis rediss://host:port"; exit 2; fi
if [[ -n "$etcd_ca" && "$etcd_target" != https://* ]]; then echo "--etcd-ca wants a TLS server: --etcd https://host:port"; exit 2; fi
# relative CA files are taken from where the command was called, as --out is
[[ -z "$redis_ca" || "$redis_ca" == /* ]] || redis_ca="$invoked_from/$redis_ca"
[[ -z "$etcd_ca" || "$etcd_ca" == /* ]] || etcd_ca="$invoked_from/$etcd_ca"
for ca in "$redis_ca" "$etcd_ca"; do
    [[ -z "$ca" || -r "$ca" ]] || { echo "cannot read the CA file '$ca'"; exit 2; }
done
for list in "$threads" "$processes"; do
    [[ "$list" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || { echo "wanted positive whole numbers, was '$list'"; exit 2; }
done
for number in "$repeats" "$rounds" "$duration" ${forks:+"$forks"}; do
    [[ "$number" =~ ^[1-9][0-9]*$ ]] || { echo "wanted one positive whole number, was '$number'"; exit 2; }
done
[[ "$out" == /* ]] || out="$invoked_from/$out"
for s in ${scenarios//,/ }; do
    [[ ",uncontended,interleaved,reacquire,contended,names,readwrite,processes,footprint,signal,virtual," == *",$s,"* ]] \
        || { echo "unknown scenario '$s'"; exit 2; }
done
has() { [[ ",$scenarios," == *",$1,"* ]]; }
tools=(redis-cli curl java mvn python3)
[[ -n "$redis_target" ]] || tools+=(redis-server)
[[ -n "$etcd_target" ]] || tools+=(etcd)
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || { echo "missing $tool (Debian: apt-get install redis-server redis-tools etcd-server curl)"; exit 1; }
done

(cd "$root" && mvn -q -B install -DskipTests)
mvn -q -B package

source ./servers.sh

mkdir -p "$out"
# a run's files only: results an earlier run left in the same directory would join this report
# (removed once the build is done and both servers answer, so that a run that cannot start
# leaves an earlier one alone)
rm -f "$out"/jmh-*.json "$out"/jmh-*.log "$out"/jmh.json "$out"/jmh.log "$out"/handoff.json "$out"/crossprocess.txt \
    "$out"/footprint.txt "$out"/crossprocess-signal.txt "$out"/contended-threads.svg \
    "$out"/processes.svg "$out"/handover-latency-*.svg "$out"/uncontended-*.svg "$out"/index.html

props=(-Ddistlock.redis="$redis_target" -Ddistlock.etcd="$etcd_target"
       ${redis_user:+-Ddistlock.redis.user="$redis_user"} ${etcd_user:+-Ddistlock.etcd.user="$etcd_user"}
       ${redis_tls:+-Ddistlock.redis.tls=true} ${redis_ca:+-Ddistlock.redis.ca="$redis_ca"}
       ${etcd_ca:+-Ddistlock.etcd.ca="$etcd_ca"} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "memory: $(free -h | awk '/Mem:/ {print $2}')"
    echo "java: $(java -version 2>&1 | sed -n 1p)"
    echo "redis: ${redis_tls:+rediss://}$redis_target, $(rcli info server | tr -d '\r' | grep '^redis_version' | cut -d: -f2)"
    echo "etcd: $etcd_target, $(ecurl "$etcd_target/version")"
    [[ -z "$started" ]] || echo "started by the script:$started, data in $tmp"
    echo "command: $command_line"
} > "$out/machine.txt"

# Redisson leaves non-daemon threads behind, and JMH dumps them at the end of each of its forks:
# keep those dumps out of the committed log
jmh() {
    local name=$1; shift
    "${JMH_JAVA:-java}" "${props[@]}" -jar target/benchmarks.jar -rf json -rff "$out/jmh-$name.json" "$@" \
        ${impls:+-p impl="$impls"} -r "$duration" ${jmh_extra[@]+"${jmh_extra[@]}"} \
        | tee >(grep -vE '^\s+at |^Thread\[|^\s*$' > "$out/jmh-$name.log")
}
# five measured iterations, not three: JMH's 99.9% interval is Student's t with n-1 degrees of
# freedom, 31.6 standard errors for three iterations against 8.6 for five (the 2026-12-03 full
# run's contended intervals, with three, were wider than the scores)
short=(-f "${forks:-1}" -wi 2 -w 1 -i 5)
# 30 s of warm-up per fork: the etcd candidates' forks were still getting faster after the 5 s
# they had until 2026-12-07 (the JIT compiling jetcd, gRPC and Netty on 2 cores: in
# InterleavedUncontended the etcd pair's first rounds took 2.3x as long as its rounds after ~23 s),
# and their scores measured that
has uncontended && jmh uncontended 'UncontendedBenchmark.lockUnlock' -f "${forks:-3}" -wi 6 -w 5 -i 8
if has interleaved; then
    rm -f "$out/interleaved.json"
    java "${props[@]}" -Ddistlock.interleaved.json="$out/interleaved.json" \
        -cp target/benchmarks.jar io.distlock.jmh.InterleavedUncontended 30 | tee "$out/interleaved.txt"
fi
has reacquire && jmh reacquire ReacquireBenchmark "${short[@]}"
if has contended; then
    for t in ${threads//,/ }; do jmh "contended-t$t" 'ContendedBenchmark.contended' -t "$t" "${short[@]}"; done
fi
has names && jmh names DistinctNamesBenchmark "${short[@]}"
has readwrite && jmh readwrite ReadWriteBenchmark "${short[@]}"
if has virtual; then
    vt_java="${VT_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
    if [[ -x "$vt_java" ]]; then
        JMH_JAVA="$vt_java" jmh virtual VirtualThreadsBenchmark "${short[@]}"
    else
        echo "WARNING: no JDK with virtual threads at $vt_java (VT_JAVA_HOME): scenario 'virtual' skipped" >&2
    fi
fi
if has processes; then
    rm -f "$out/handoff.json" "$out/crossprocess.txt"
    for n in ${processes//,/ }; do
        for r in $(seq 1 "$repeats"); do
            java "${props[@]}" -Ddistlock.handoff.jvms="$n" -Ddistlock.handoff.json="$out/handoff.json" \
                ${IMPLS:+-Ddistlock.handoff.impls="$IMPLS"} \
                -cp target/benchmarks.jar io.distlock.jmh.CrossProcessHandoff "$rounds" | tee -a "$out/crossprocess.txt"
        done
    done
fi
if has footprint; then
    java "${props[@]}" -cp target/benchmarks.jar io.distlock.jmh.RegistryFootprint "${FOOTPRINT_NAMES:-1000000}" \
        | tee "$out/footprint.txt"
fi
if has signal; then
    java "${props[@]}" -cp target/benchmarks.jar io.distlock.jmh.CrossProcessSignal 500 | tee "$out/crossprocess-signal.txt"
fi
python3 report.py "$out"
python3 report_html.py "$out" > /dev/null
echo "report: $out/index.html and $out/README.md"
