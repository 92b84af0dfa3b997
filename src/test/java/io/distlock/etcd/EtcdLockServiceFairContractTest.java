package io.distlock.etcd;

/** The lock contract with fair locks on etcd's lock service. */
class EtcdLockServiceFairContractTest extends EtcdLockServiceContractTest {

    @Override
    protected boolean fair() {
        return true;
    }
}
