package io.distlock.etcd;

/** Separate JVMs sharing transaction-flavour EtcdLocks. */
class EtcdTxnCrossProcessTest extends AbstractEtcdCrossProcessTest {

    @Override
    EtcdFlavour flavour() {
        return EtcdFlavour.TRANSACTION;
    }
}
