package io.distlock.spring.boot;

import io.distlock.DistributedLockFactory;
import io.distlock.micrometer.LockMetrics;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration of the lock factory's metrics: a {@link LockMetrics} bean, which
 * Spring Boot's metrics support binds to the application's {@code MeterRegistry} (it binds every
 * {@code MeterBinder} bean), with the {@code distlock.metrics.*} settings of
 * {@link DistributedLockProperties}. Needs Micrometer on the class path and a
 * {@link DistributedLockFactory} bean (the auto-configured one or the application's); backs off
 * if the application defines a {@code LockMetrics} bean, or with
 * {@code distlock.metrics.enabled=false}.
 */
@AutoConfiguration(after = DistributedLockAutoConfiguration.class)
@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
@ConditionalOnProperty(prefix = "distlock.metrics", name = "enabled", matchIfMissing = true)
public class DistributedLockMetricsAutoConfiguration {

    /** Creates the configuration (called by Spring). */
    public DistributedLockMetricsAutoConfiguration() {
    }

    /**
     * The metrics of the factory, not yet bound: Spring Boot binds them to its registry, and
     * {@code close()} (at shutdown) removes them.
     *
     * @param factory the lock factory
     * @param properties the {@code distlock.*} properties
     * @return the metrics
     */
    @Bean
    @ConditionalOnBean(DistributedLockFactory.class)
    @ConditionalOnMissingBean
    public LockMetrics distributedLockMetrics(DistributedLockFactory factory, DistributedLockProperties properties) {
        DistributedLockProperties.Metrics m = properties.getMetrics();
        return LockMetrics.builder(factory, m.getFactoryName())
                .lockNames(m.getLockNames())
                .publishPercentileHistogram(m.isPercentileHistogram())
                .build();
    }
}
