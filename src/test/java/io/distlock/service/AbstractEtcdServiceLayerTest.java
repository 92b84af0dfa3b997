package io.distlock.service;

import io.distlock.DistributedLockFactory;
import io.distlock.LeaseListener;
import io.distlock.LockOptions;
import io.distlock.etcd.EtcdFlavour;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.testing.EtcdServers;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The service layer over one etcd flavour. */
abstract class AbstractEtcdServiceLayerTest extends LockServiceContractTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    abstract EtcdFlavour flavour();

    @Override
    protected DistributedLockFactory newFactory(LockOptions options, LeaseListener listener) {
        return EtcdLockFactory.builder().endpoints(etcd.get().endpoints().toArray(String[]::new))
                .keyPrefix("service/" + flavour() + "/").flavour(flavour()).options(options)
                .leaseListener(listener).build();
    }
}
