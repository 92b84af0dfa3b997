package io.distlock.service;

import io.distlock.etcd.EtcdFlavour;

class EtcdTxnServiceLayerTest extends AbstractEtcdServiceLayerTest {

    @Override
    EtcdFlavour flavour() {
        return EtcdFlavour.TRANSACTION;
    }
}
