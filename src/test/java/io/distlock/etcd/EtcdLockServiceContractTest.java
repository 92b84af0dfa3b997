package io.distlock.etcd;

/** The lock contract for etcd's lock service. */
class EtcdLockServiceContractTest extends AbstractEtcdLockContractTest {

    @Override
    EtcdFlavour flavour() {
        return EtcdFlavour.LOCK_SERVICE;
    }
}
