package io.distlock.spring.boot;

import io.distlock.DistributedLockFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration of the lock factory's health indicator,
 * {@link DistributedLockHealthIndicator}, named {@code distlock} in the health endpoint. Needs
 * Spring Boot's health support ({@code org.springframework.boot:spring-boot-health}, which
 * {@code spring-boot-starter-actuator} brings) and a {@link DistributedLockFactory} bean; backs
 * off if the application defines a bean of that type or named {@code distlockHealthIndicator},
 * or with {@code management.health.distlock.enabled=false}.
 */
@AutoConfiguration(after = DistributedLockAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
@ConditionalOnEnabledHealthIndicator("distlock")
public class DistributedLockHealthAutoConfiguration {

    /** Creates the configuration (called by Spring). */
    public DistributedLockHealthAutoConfiguration() {
    }

    /**
     * The health indicator of the factory.
     *
     * @param factory the lock factory
     * @return the indicator
     */
    @Bean
    @ConditionalOnBean(DistributedLockFactory.class)
    @ConditionalOnMissingBean(value = DistributedLockHealthIndicator.class, name = "distlockHealthIndicator")
    public DistributedLockHealthIndicator distlockHealthIndicator(DistributedLockFactory factory) {
        return new DistributedLockHealthIndicator(factory);
    }
}
