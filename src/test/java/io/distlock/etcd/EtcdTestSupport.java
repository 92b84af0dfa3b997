package io.distlock.etcd;

import io.distlock.testing.EtcdCluster;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Direct access to a test etcd cluster, for checks the lock API does not offer. */
final class EtcdTestSupport {

    private EtcdTestSupport() {
    }

    static Client client(EtcdCluster cluster) {
        return Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build();
    }

    /**
     * Puts {@code key} (no lease, value {@code key}'s last segment) and returns what deletes it:
     * a record the tests leave on the server as another JVM would.
     */
    static AutoCloseable putUntilClosed(EtcdCluster cluster, String key) {
        ByteSequence k = ByteSequence.from(key, StandardCharsets.UTF_8);
        try (Client client = client(cluster)) {
            client.getKVClient().put(k, ByteSequence.from(key.substring(key.lastIndexOf('/') + 1),
                    StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("could not put " + key, e);
        }
        return () -> {
            try (Client client = client(cluster)) {
                client.getKVClient().delete(k).get(10, TimeUnit.SECONDS);
            }
        };
    }

    /** Every key under a prefix. */
    static List<String> keys(EtcdCluster cluster, String prefix) {
        try (Client client = client(cluster)) {
            ByteSequence p = ByteSequence.from(prefix, StandardCharsets.UTF_8);
            return client.getKVClient().get(p, GetOption.builder().isPrefix(true).withKeysOnly(true).build())
                    .get(10, TimeUnit.SECONDS).getKvs().stream()
                    .map(KeyValue::getKey).map(k -> k.toString(StandardCharsets.UTF_8))
                    .collect(Collectors.toList());
        } catch (Exception e) {
            throw new AssertionError("could not list keys under " + prefix, e);
        }
    }
}
