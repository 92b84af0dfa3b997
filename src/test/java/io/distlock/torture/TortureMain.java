package io.distlock.torture;

import io.distlock.testing.EtcdCluster;
import io.distlock.testing.ProcessControl;
import io.distlock.testing.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The long torture run, for a person to start with one command:
 * <pre>
 * mvn -q -B test-compile exec:exec@torture -Dtorture.args="--backend redis --seconds 600"
 * </pre>
 * Options (defaults in brackets): {@code --backend} redis | redis-handover | etcd-txn | etcd-lock-service [redis],
 * {@code --rw} (read/write locks), {@code --processes} [4], {@code --threads} [4], {@code --names}
 * [4], {@code --seconds} [300], {@code --seed} [1], {@code --lease} ms [2000], {@code --kills},
 * {@code --freezes}, {@code --restarts}, {@code --cuts} [each one per 30 s of run], {@code --out}
 * directory [target/torture/...], {@code --members} etcd cluster size [3]. It starts its own
 * redis-server (the lock server, and another for the fencing register) and, for etcd, an etcd
 * cluster on free loopback ports (restarts then kill the leader and a follower in turn), prints
 * the report and exits 1 if the checker found a violation or a lock key was left.
 */
public final class TortureMain {

    private TortureMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--rw")) {
                o.put("rw", "true");
            } else if (args[i].startsWith("--") && i + 1 < args.length) {
                o.put(args[i].substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException("unknown argument " + args[i] + " (see the class documentation)");
            }
        }
        int seconds = Integer.parseInt(o.getOrDefault("seconds", "300"));
        int faultsEach = Integer.parseInt(o.getOrDefault("faults", Integer.toString(Math.max(1, seconds / 30))));
        TortureRun.Config config = new TortureRun.Config(o.getOrDefault("backend", "redis"), o.containsKey("rw"),
                Integer.parseInt(o.getOrDefault("processes", "4")), Integer.parseInt(o.getOrDefault("threads", "4")),
                Integer.parseInt(o.getOrDefault("names", "4")), seconds, Long.parseLong(o.getOrDefault("seed", "1")),
                Long.parseLong(o.getOrDefault("lease", "2000")),
                Integer.parseInt(o.getOrDefault("kills", Integer.toString(faultsEach))),
                Integer.parseInt(o.getOrDefault("freezes", Integer.toString(faultsEach))),
                Integer.parseInt(o.getOrDefault("restarts", Integer.toString(faultsEach))),
                Integer.parseInt(o.getOrDefault("cuts", Integer.toString(faultsEach))));
        Path out = Path.of(o.getOrDefault("out", "target/torture/" + config.backend() + (config.readWrite() ? "-rw" : "")
                + "-" + System.currentTimeMillis()));
        Files.createDirectories(out);
        Path redisBinary = ProcessControl.onPath("redis-server");
        if (redisBinary == null) {
            throw new IllegalStateException("redis-server must be on PATH (Debian: apt-get install redis-server)");
        }
        System.out.println(config.describe());
        boolean ok;
        try (RedisServer register = RedisServer.startLocal(redisBinary);
             RedisServer lockRedis = config.backend().startsWith("redis") ? RedisServer.startLocal(redisBinary) : null;
             EtcdCluster lockEtcd = config.backend().startsWith("redis") ? null
                     : startEtcd(Integer.parseInt(o.getOrDefault("members", "3")))) {
            TortureRun.LockServer server = lockRedis != null ? TortureRun.redis(lockRedis) : TortureRun.etcd(lockEtcd);
            TortureRun.Outcome outcome = new TortureRun(config, server, register, out).run();
            System.out.println(TortureRun.describe(config, outcome, out));
            System.out.println("records and report in " + out.toAbsolutePath());
            ok = outcome.ok();
        }
        // after the servers were stopped by the try block
        System.exit(ok ? 0 : 1);
    }

    private static EtcdCluster startEtcd(int members) {
        Path etcd = ProcessControl.onPath("etcd");
        if (etcd == null) {
            throw new IllegalStateException("etcd must be on PATH (Debian: apt-get install etcd-server)");
        }
        return EtcdCluster.startLocal(etcd, members);
    }
}
