#!/usr/bin/env bash
# Cross-JVM hand-over run: N JVMs contend for one lock name, per candidate; prints the hand-over
# latency percentiles, the hand-overs per second and each JVM's share of the acquisitions while
# all contend. Uses the servers named by REDIS (host:port) and ETCD (a client URL) if set (users
# in REDIS_USER / ETCD_USER, passwords in DISTLOCK_REDIS_PASSWORD / DISTLOCK_ETCD_PASSWORD), else
# starts its own redis-server and etcd on free loopback ports and stops them at the end.
#   IMPLS=RedisLock,RedisFairLock JVMS=2 ROUNDS=1000 jmh/run-crossprocess.sh
# Needs the benchmarks jar (cd jmh && mvn package, after mvn install at the root).
set -euo pipefail
cd "$(dirname "$0")"
impls=${IMPLS:-RawRedisBaton,RedisLock,RedisFairLock,SpringRedisLock,Redisson,RedissonFairLock,EtcdLockTxn,EtcdFairLockTxn,EtcdLockService}
jvms=${JVMS:-2}
rounds=${ROUNDS:-1000}
redis_target=${REDIS:-}
etcd_target=${ETCD:-}
redis_user=${REDIS_USER:-}
etcd_user=${ETCD_USER:-}
source ./servers.sh
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; redis $redis_target; etcd $etcd_target; $jvms JVMs; $rounds rounds (etcd: a tenth)"
java -Ddistlock.redis="$redis_target" -Ddistlock.etcd="$etcd_target" -Ddistlock.handoff.impls="$impls" \
    ${redis_user:+-Ddistlock.redis.user="$redis_user"} ${etcd_user:+-Ddistlock.etcd.user="$etcd_user"} \
    -Ddistlock.handoff.jvms="$jvms" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp target/benchmarks.jar io.distlock.jmh.CrossProcessHandoff "$rounds"
