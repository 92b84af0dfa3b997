/**
 * Spring Integration support: {@link io.distlock.spring.DistributedLockRegistry} is a
 * {@link org.springframework.integration.support.locks.RenewableLockRegistry} whose locks are a
 * lock factory's, so that what Spring Integration builds on a lock registry (aggregators, leader
 * initiators, {@code executeLocked}) runs on Redis or etcd through this library, and an
 * application on Spring's {@code RedisLockRegistry} switches with one bean definition.
 *
 * <p>Spring Integration ({@code org.springframework.integration:spring-integration-core}) is an
 * optional dependency of the library: only an application that uses this package needs it on its
 * class path.
 */
package io.distlock.spring;
