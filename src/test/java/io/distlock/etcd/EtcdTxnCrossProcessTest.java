package io.distlock.etcd;

/** Separate JVMs sharing transaction-flavour EtcdLocks. */
class EtcdTxnCrossProcessTest extends AbstractEtcdCrossProcessTest {

    @Override
    EtcdFlavour flavour() {
        return EtcdFlavour.TRANSACTION;
    }

    /** The transaction flavour has no queue: its builder refuses fair locks. */
    @Override
    protected boolean supportsFair() {
        return false;
    }
}
