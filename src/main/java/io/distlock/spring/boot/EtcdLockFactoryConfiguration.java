package io.distlock.spring.boot;

import io.distlock.DistributedLockFactory;
import io.distlock.etcd.EtcdLockFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The etcd factory, when endpoints are set. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "io.etcd.jetcd.Client")
@Conditional(EtcdLockFactoryConfiguration.EndpointsSet.class)
class EtcdLockFactoryConfiguration {

    @Bean
    @ConditionalOnMissingBean(DistributedLockFactory.class)
    EtcdLockFactory etcdLockFactory(DistributedLockProperties properties) {
        DistributedLockProperties.Etcd etcd = properties.getEtcd();
        EtcdLockFactory.Builder b = EtcdLockFactory.builder()
                .endpoints(etcd.getEndpoints().toArray(new String[0]))
                .options(properties.toLockOptions());
        if (etcd.getFlavour() != null) {
            b.flavour(etcd.getFlavour());
        }
        if (etcd.getRequestTimeout() != null) {
            b.requestTimeout(etcd.getRequestTimeout());
        }
        if (properties.getKeyPrefix() != null) {
            b.keyPrefix(properties.getKeyPrefix());
        }
        return b.build();
    }

    /** Whether {@code distlock.etcd.endpoints} holds an endpoint (as a comma-separated value or a YAML list). */
    static class EndpointsSet implements org.springframework.context.annotation.Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !Binder.get(context.getEnvironment()).bind("distlock.etcd.endpoints", Bindable.listOf(String.class))
                    .orElse(java.util.List.of()).isEmpty();
        }
    }

    /** Whether {@code distlock.etcd.endpoints} is unset: only then may a Redis factory be made. */
    static class NoEndpoints extends EndpointsSet {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !super.matches(context, metadata);
        }
    }

    /**
     * Endpoints set but jetcd missing: the application asked for etcd and would otherwise get a
     * Redis factory (or none) without a word, and lock where the others do not. It fails to start.
     */
    @Configuration(proxyBeanMethods = false)
    @org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass("io.etcd.jetcd.Client")
    @Conditional(EndpointsSet.class)
    static class ClientMissing {
        @Bean
        @ConditionalOnMissingBean(DistributedLockFactory.class)
        DistributedLockFactory etcdLockFactoryWithoutClient() {
            throw new IllegalStateException("distlock.etcd.endpoints is set, but io.etcd:jetcd-core is not on the "
                    + "class path: declare it (see the README, Dependencies), or remove the property to use Redis");
        }
    }
}
