package io.distlock.spring.boot;

import io.distlock.DistributedLockFactory;
import io.distlock.etcd.EtcdLockFactory;
import io.distlock.redis.RedisLockFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * Spring Boot auto-configuration of a lock factory.
 * Registered in {@code META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports};
 * Spring Boot ({@code org.springframework.boot:spring-boot-autoconfigure}) is an optional
 * dependency of the library.
 *
 * <p>Unless the application defines a {@link DistributedLockFactory} bean of its own:
 * <ul>
 * <li>with jetcd on the class path and {@code distlock.etcd.endpoints} set, an
 *     {@link EtcdLockFactory} on those endpoints ({@code distlock.etcd.flavour},
 *     {@code distlock.etcd.request-timeout});</li>
 * <li>with {@code distlock.etcd.endpoints} set and jetcd missing, no factory: the context fails to
 *     start, saying to declare jetcd (a silent fall-back to Redis would lock apart from the
 *     instances that lock in etcd);</li>
 * <li>otherwise, with Jedis on the class path, a {@link RedisLockFactory} on the server the
 *     application's {@code spring.data.redis.*} properties name: {@code url} or
 *     {@code host}/{@code port}, {@code username}, {@code password}, {@code database},
 *     {@code ssl.enabled}, {@code ssl.bundle} (a Spring Boot SSL bundle: its trust material,
 *     key, protocols and cipher suites), {@code timeout}, {@code connect-timeout},
 *     {@code client-name}, {@code jedis.pool.max-active}, {@code jedis.pool.max-idle},
 *     {@code jedis.pool.min-idle}, {@code jedis.pool.max-wait}, or {@code cluster.nodes}, or
 *     {@code sentinel.master} with {@code sentinel.nodes} (and the sentinels' own
 *     {@code sentinel.username} and {@code sentinel.password});</li>
 * </ul>
 * each with the key prefix and lock options of {@link DistributedLockProperties}
 * ({@code distlock.*}), closed with the application context.
 * {@link DistributedLockRegistryAutoConfiguration} adds the Spring Integration registry,
 * {@link DistributedLockMetricsAutoConfiguration} the metrics and
 * {@link DistributedLockHealthAutoConfiguration} the health indicator.
 */
// the imported configurations are package-private: Spring reaches them (module-info opens the package to it)
@SuppressWarnings("exports")
@AutoConfiguration(afterName = {"org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
        "org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration"})
@EnableConfigurationProperties(DistributedLockProperties.class)
// in this order: etcd when its endpoints are set, else Redis (top-level classes, so that the order holds)
@Import({EtcdLockFactoryConfiguration.class, EtcdLockFactoryConfiguration.ClientMissing.class,
        RedisLockFactoryConfiguration.class})
public class DistributedLockAutoConfiguration {

    /** Creates the configuration (called by Spring). */
    public DistributedLockAutoConfiguration() {
    }
}
