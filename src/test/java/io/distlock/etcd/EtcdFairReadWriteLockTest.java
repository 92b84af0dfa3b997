package io.distlock.etcd;

/** The read/write lock contract with fair locks, run against a real etcd. */
class EtcdFairReadWriteLockTest extends EtcdReadWriteLockTest {

    @Override
    protected boolean fair() {
        return true;
    }
}
