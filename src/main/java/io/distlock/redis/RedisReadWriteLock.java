package io.distlock.redis;

import io.distlock.DistributedReentrantReadWriteLock;
import io.distlock.DistributedReadWriteLock;

/**
 * A {@link java.util.concurrent.locks.ReadWriteLock} shared through Redis, with the semantics
 * described in {@link DistributedReadWriteLock}. It is a
 * {@link java.util.concurrent.locks.ReentrantReadWriteLock} (see
 * {@link io.distlock.DistributedReentrantReadWriteLock} for what its methods mean across JVMs). Obtain instances from
 * {@link RedisLockFactory#getReadWriteLock(String)}.
 *
 * <p><b>Fairness.</b> Writers are preferred: a writer that finds the lock busy marks its intent on
 * the server, and from then on new readers from every JVM wait until that writer has acquired and
 * released the lock (readers already holding it keep it; the writer waits for them). So a stream
 * of readers cannot starve a writer. Among writers, and among readers, there is no order. A writer
 * that dies while waiting leaves its intent to run out within 3 seconds.
 *
 * <p><b>Cost.</b> Each first acquisition by a thread is one round trip (one Lua script), each final
 * release one more; re-acquisitions by a holder are local. Every reading thread holds a lease of
 * its own, renewed by the watchdog.
 */
public final class RedisReadWriteLock extends DistributedReentrantReadWriteLock {

    private static final long serialVersionUID = 1L;

    RedisReadWriteLock() {
    }
}
