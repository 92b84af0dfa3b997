package io.distlock.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.distlock.DistributedLock;
import io.distlock.DistributedLockFactory;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.spring.DistributedLockRegistry;
import io.distlock.testing.EtcdServers;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The Boot auto-configuration of etcd, run by Spring Boot's {@link ApplicationContextRunner}
 * against a real etcd: {@code distlock.etcd.endpoints} gives an {@link EtcdLockFactory}, the
 * Spring Integration registry and a health indicator that is UP, and a lock taken through the
 * registry is held for another factory on the same server; with jetcd missing from the class path
 * the context fails and names the dependency to declare.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdAutoConfigurationTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DistributedLockAutoConfiguration.class,
                    DistributedLockRegistryAutoConfiguration.class, DistributedLockHealthAutoConfiguration.class));

    @Test
    void endpointsGiveAnEtcdFactoryARegistryAndAHealthyIndicator() {
        String prefix = "boot/" + UUID.randomUUID() + "/";
        runner.withPropertyValues("distlock.etcd.endpoints=" + String.join(",", etcd.get().endpoints()),
                        "distlock.key-prefix=" + prefix)
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(DistributedLockFactory.class)
                            .hasSingleBean(EtcdLockFactory.class).hasSingleBean(DistributedLockRegistry.class)
                            .hasSingleBean(DistributedLockHealthIndicator.class);
                    EtcdLockFactory factory = context.getBean(EtcdLockFactory.class);
                    assertThat(factory.keyPrefix()).isEqualTo(prefix);

                    Lock viaRegistry = context.getBean(DistributedLockRegistry.class).obtain("boot-orders");
                    assertThat(viaRegistry.tryLock(10, TimeUnit.SECONDS)).isTrue();
                    try (EtcdLockFactory elsewhere = EtcdLockFactory.builder()
                            .endpoints(etcd.get().endpoints().toArray(String[]::new)).keyPrefix(prefix).build()) {
                        DistributedLock same = elsewhere.getLock("boot-orders");
                        assertThat(same.isLocked()).as("held, seen from another factory").isTrue();
                        assertThat(same.tryLock()).isFalse();

                        var health = context.getBean(DistributedLockHealthIndicator.class).health();
                        assertThat(health.getStatus()).isEqualTo(Status.UP);
                        assertThat(health.getDetails()).containsEntry("backend", "EtcdLockFactory")
                                .containsEntry("heldLeases", 1);

                        viaRegistry.unlock();
                        assertThat(same.tryLock()).as("free once the registry's lock is released").isTrue();
                        same.unlock();
                    }
                });
    }

    @Test
    void endpointsWithoutJetcdFailTheContextNamingTheDependency() {
        runner.withClassLoader(new FilteredClassLoader("io.etcd.jetcd"))
                .withPropertyValues("distlock.etcd.endpoints=" + String.join(",", etcd.get().endpoints()))
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .rootCause().isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("distlock.etcd.endpoints is set")
                        .hasMessageContaining("io.etcd:jetcd-core"));
    }
}
