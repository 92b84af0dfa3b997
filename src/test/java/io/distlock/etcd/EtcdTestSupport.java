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
