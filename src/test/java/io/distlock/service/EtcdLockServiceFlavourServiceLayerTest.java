package io.distlock.service;

import io.distlock.etcd.EtcdFlavour;

class EtcdLockServiceFlavourServiceLayerTest extends AbstractEtcdServiceLayerTest {

    @Override
    EtcdFlavour flavour() {
        return EtcdFlavour.LOCK_SERVICE;
    }

    @Override
    protected boolean knowsOtherHoldersFencingToken() {
        return false;
    }
}
