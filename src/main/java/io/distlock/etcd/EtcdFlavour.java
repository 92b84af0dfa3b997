package io.distlock.etcd;

/** Which etcd mechanism an {@link EtcdLockFactory} builds its locks on. */
public enum EtcdFlavour {

    /**
     * Transactions and leases: create-if-absent and compare-and-delete transactions on one key per
     * lock, all attached to one session lease per factory that is kept alive in the background.
     * One round trip to acquire a free lock, one to release it. Waiters watch the key. Not fair,
     * unless the factory's {@link io.distlock.LockOptions#fair()} is set: waiters then queue by
     * create revision (two round trips to acquire), and every waiter of the name re-checks at
     * each hand-over.
     */
    TRANSACTION,

    /**
     * etcd's lock service (the server-side mutex recipe): waiters queue on the server and get the
     * lock first come, first served (across JVMs; threads of one JVM still queue locally first).
     * Each acquisition has a lease of its own: a grant and a lock call to acquire, a revoke to
     * release.
     */
    LOCK_SERVICE
}
