package io.distlock.etcd;

/** The lock contract for etcd transactions and a shared session lease. */
class EtcdTxnLockContractTest extends AbstractEtcdLockContractTest {

    @Override
    EtcdFlavour flavour() {
        return EtcdFlavour.TRANSACTION;
    }
}
