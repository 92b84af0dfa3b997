package io.distlock.spring.boot;

import io.distlock.DistributedLockFactory;
import io.distlock.spring.DistributedLockRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration of the Spring Integration lock registry: a
 * {@link DistributedLockRegistry} over the {@link DistributedLockFactory} bean (the
 * auto-configured one or the application's), with Spring Integration
 * ({@code spring-integration-core}) on the class path, unless the application defines a
 * {@code DistributedLockRegistry} of its own.
 */
@AutoConfiguration(after = DistributedLockAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.integration.support.locks.LockRegistry")
public class DistributedLockRegistryAutoConfiguration {

    /** Creates the configuration (called by Spring). */
    public DistributedLockRegistryAutoConfiguration() {
    }

    /**
     * The Spring Integration lock registry over the factory.
     *
     * @param factory the lock factory
     * @return the registry, which does not close the factory
     */
    @Bean
    @ConditionalOnBean(DistributedLockFactory.class)
    @ConditionalOnMissingBean
    public DistributedLockRegistry distributedLockRegistry(DistributedLockFactory factory) {
        return new DistributedLockRegistry(factory);
    }
}
