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
}
