package io.distlock.spring;

import io.distlock.DistributedLockFactory;
import io.distlock.LockOptions;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.integration.leader.Context;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;

/**
 * One JVM of {@link LeaderElectionTest}: Spring Integration's {@link LockRegistryLeaderInitiator}
 * on a {@link DistributedLockRegistry}, unchanged, with a candidate that prints what it is told.
 *
 * <p>Arguments: {@code redis HOST:PORT PREFIX LEASE_MS HEARTBEAT_MS} or
 * {@code etcd ENDPOINT PREFIX LEASE_MS HEARTBEAT_MS}. Prints {@code READY}, then
 * {@code GRANTED <epoch ms> <fencing token>} and {@code REVOKED <epoch ms>} as leadership comes
 * and goes; stops at {@code STOP} on standard input or its end.
 */
public final class LeaderCandidateMain {

    static final String ROLE = "leader";

    private LeaderCandidateMain() {
    }

    public static void main(String[] args) throws Exception {
        String backend = args[0];
        String address = args[1];
        String prefix = args[2];
        LockOptions options = LockOptions.builder().leaseTime(Duration.ofMillis(Long.parseLong(args[3]))).build();
        long heartbeatMillis = Long.parseLong(args[4]);
        DistributedLockFactory factory;
        if ("redis".equals(backend)) {
            int colon = address.lastIndexOf(':');
            factory = RedisLockFactory.builder()
                    .hostAndPort(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
                    .keyPrefix(prefix).options(options).build();
        } else {
            factory = EtcdLockFactory.builder().endpoints(address).keyPrefix(prefix).options(options).build();
        }
        DistributedLockRegistry registry = new DistributedLockRegistry(factory);
        DefaultCandidate candidate = new DefaultCandidate(Long.toString(ProcessHandle.current().pid()), ROLE) {
            @Override
            public void onGranted(Context ctx) {
                // called on the initiator's thread, which holds the lock
                say("GRANTED " + System.currentTimeMillis() + " " + registry.obtain(ROLE).getFencingToken());
            }

            @Override
            public void onRevoked(Context ctx) {
                say("REVOKED " + System.currentTimeMillis());
            }
        };
        LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(registry, candidate);
        initiator.setHeartBeatMillis(heartbeatMillis);
        initiator.start();
        say("READY");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null && !"STOP".equals(line); ) {
                // commands other than STOP are ignored
            }
        } finally {
            initiator.destroy();
            factory.close();
        }
        say("STOPPED");
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
