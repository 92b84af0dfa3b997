package io.distlock.etcd;

/** The lock contract with fair locks on the transaction flavour (its queue by create revision). */
class EtcdTxnFairContractTest extends EtcdTxnLockContractTest {

    @Override
    protected boolean fair() {
        return true;
    }
}
