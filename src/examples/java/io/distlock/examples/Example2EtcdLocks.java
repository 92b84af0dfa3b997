package io.distlock.examples;

import io.distlock.DistributedLock;
import io.distlock.etcd.EtcdFlavour;
import io.distlock.etcd.EtcdLockFactory;

/**
 * Example 2 (the original's etcd and etcd-mutex locks): the same {@code Lock} on etcd, built on
 * transactions and a session lease, or on etcd's own lock service (first come, first served).
 * Fencing tokens are etcd revisions.
 */
public final class Example2EtcdLocks {

    private Example2EtcdLocks() {
    }

    public static void main(String[] args) {
        for (EtcdFlavour flavour : EtcdFlavour.values()) {
            try (EtcdLockFactory locks = EtcdLockFactory.builder().endpoints(Servers.etcd(args))
                    .keyPrefix("examples/" + flavour + "/").flavour(flavour).build()) {
                DistributedLock lock = locks.getLock("ledger");
                lock.lock();
                try {
                    System.out.println(flavour + ": holding 'ledger' with fencing token " + lock.getFencingToken());
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
