/**
 * Spring Boot auto-configuration: from its {@code spring.data.redis.*} properties (or
 * {@code distlock.etcd.*} for etcd) and the {@code distlock.*} options, a Spring Boot application
 * gets a lock factory ({@link io.distlock.spring.boot.DistributedLockAutoConfiguration}), the
 * Spring Integration lock registry, the factory's Micrometer metrics bound to its
 * {@code MeterRegistry} ({@link io.distlock.spring.boot.DistributedLockMetricsAutoConfiguration})
 * and a health indicator ({@link io.distlock.spring.boot.DistributedLockHealthAutoConfiguration}),
 * each backing off when the application defines its own.
 *
 * <p>Spring Boot ({@code org.springframework.boot:spring-boot-autoconfigure}, and
 * {@code spring-boot-health} for the health indicator) is an optional dependency of the library.
 */
package io.distlock.spring.boot;
