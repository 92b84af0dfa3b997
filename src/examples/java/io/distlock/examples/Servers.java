package io.distlock.examples;

/** Where the examples find their servers: arguments, else the usual local addresses. */
final class Servers {

    private Servers() {
    }

    /** Redis host from {@code args[0]} ("host:port"), default 127.0.0.1. */
    static String redisHost(String[] args) {
        String a = args.length > 0 ? args[0] : "127.0.0.1:6379";
        return a.substring(0, a.lastIndexOf(':'));
    }

    /** Redis port from {@code args[0]}, default 6379. */
    static int redisPort(String[] args) {
        String a = args.length > 0 ? args[0] : "127.0.0.1:6379";
        return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
    }

    /** etcd endpoint from {@code args[1]}, default http://127.0.0.1:2379. */
    static String etcd(String[] args) {
        return args.length > 1 ? args[1] : "http://127.0.0.1:2379";
    }
}
