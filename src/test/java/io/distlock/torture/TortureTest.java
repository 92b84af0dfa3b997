package io.distlock.torture;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.testing.EtcdServers;
import io.distlock.testing.RedisServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The short torture configuration CI runs, for every back end and for read/write locks: 3 JVMs
 * x 2 threads on 3 names for 15 s, with a holder killed, a holder frozen past its lease, the lock
 * server restarted and every connection cut; on a three-member etcd cluster the leader and then a
 * follower are killed and restarted. The long configuration is {@link TortureMain}.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TortureTest {

    @RegisterExtension
    static final RedisServers redis = RedisServers.start(2);

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    @RegisterExtension
    static final EtcdServers etcdCluster = EtcdServers.cluster(3);

    private void torture(String backend, boolean readWrite) throws Exception {
        torture(backend, readWrite, backend.equals("redis") ? TortureRun.redis(redis.get(0)) : TortureRun.etcd(etcd.get()),
                1);
    }

    private void torture(String backend, boolean readWrite, TortureRun.LockServer server, int restarts)
            throws Exception {
        TortureRun.Config config = new TortureRun.Config(backend, readWrite, 3, 2, 3, 15, 42, 2_000, 1, 1, restarts, 1);
        Path dir = Files.createTempDirectory("distlock-torture-");
        TortureRun.Outcome outcome = new TortureRun(config, server, redis.get(1), dir).run();
        String report = TortureRun.describe(config, outcome, dir);
        System.out.println(report + "\n(records in " + dir + ")");
        assertThat(outcome.report().violations()).as(report).isEmpty();
        assertThat(outcome.keysLeft()).as("lock keys left on the server").isEmpty();
        assertThat(outcome.report().sections).as("critical sections run").isGreaterThan(20);
    }

    @Test
    void redisExclusive() throws Exception {
        torture("redis", false);
    }

    @Test
    void redisReadWrite() throws Exception {
        torture("redis", true);
    }

    @Test
    void etcdTransactions() throws Exception {
        torture("etcd-txn", false);
    }

    @Test
    void etcdLockService() throws Exception {
        torture("etcd-lock-service", false);
    }

    @Test
    void etcdReadWrite() throws Exception {
        torture("etcd-txn", true);
    }

    /** A three-member cluster: its leader killed and restarted, then a follower, under load. */
    @Test
    void etcdTransactionsOnAClusterLosingItsLeaderAndAFollower() throws Exception {
        torture("etcd-txn", false, TortureRun.etcd(etcdCluster.get()), 2);
    }

    @Test
    void etcdLockServiceOnAClusterLosingItsLeaderAndAFollower() throws Exception {
        torture("etcd-lock-service", false, TortureRun.etcd(etcdCluster.get()), 2);
    }
}
