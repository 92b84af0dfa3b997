/**
 * The Redis back end: {@link io.distlock.redis.RedisLockFactory} makes
 * {@link io.distlock.redis.RedisLock}s and {@link io.distlock.redis.RedisReadWriteLock}s over a
 * Jedis client, on a single server, a Redis Cluster or behind Sentinel. An acquisition, a
 * release and a renewal are one Lua script each; releases are announced by pub/sub.
 * The keys each lock writes are listed on {@link io.distlock.redis.RedisLockFactory}. Jedis
 * ({@code redis.clients:jedis}) is an optional dependency of the library: an application using
 * this package declares it.
 */
package io.distlock.redis;
