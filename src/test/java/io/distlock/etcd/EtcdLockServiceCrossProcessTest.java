package io.distlock.etcd;

/** Separate JVMs sharing lock-service-flavour EtcdLocks. */
class EtcdLockServiceCrossProcessTest extends AbstractEtcdCrossProcessTest {

    @Override
    EtcdFlavour flavour() {
        return EtcdFlavour.LOCK_SERVICE;
    }
}
