package io.distlock.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads etcd's gRPC request counters from its /metrics endpoint. */
final class EtcdMetrics {

    private static final Pattern RECEIVED = Pattern.compile(
            "^grpc_server_msg_received_total\\{grpc_method=\"([^\"]+)\",grpc_service=\"([^\"]+)\"[^}]*} (\\S+)$");

    private EtcdMetrics() {
    }

    /** Messages received per gRPC method ("Txn", "LeaseGrant", "Lock", ...). */
    static Map<String, Long> received(String endpoint) {
        Map<String, Long> counts = new TreeMap<>();
        try (InputStream in = URI.create(endpoint + "/metrics").toURL().openStream()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                Matcher m = RECEIVED.matcher(line);
                if (m.matches()) {
                    counts.merge(m.group(1), (long) Double.parseDouble(m.group(3)), Long::sum);
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read metrics of " + endpoint, e);
        }
        return counts;
    }

    /** What changed between two readings, leaving out methods that did not move. */
    static Map<String, Long> diff(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> d = new TreeMap<>();
        after.forEach((k, v) -> {
            long delta = v - before.getOrDefault(k, 0L);
            if (delta != 0) {
                d.put(k, delta);
            }
        });
        return d;
    }
}
