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
 * the server, and while the intent stands new readers from every JVM wait (readers already
 * holding the lock keep it; the writer waits for them). A reader's {@code tryLock()} does not
 * wait and reads past the intent, as {@code ReentrantReadWriteLock.tryLock()} reads past a queued
 * writer (so readers that call it in a loop without pause can keep a writer out, as they can a
 * {@code ReentrantReadWriteLock}'s); its {@code tryLock(0, unit)} gives way to it. One intent is marked at a time: it ends
 * when its writer takes the lock, and a second waiting writer marks its own at its next attempt,
 * so readers arriving in between may get in first, but a stream of waiting readers cannot starve a
 * writer. Among writers, and among readers, there is no order. A writer that dies while waiting
 * leaves its intent to run out within 3 seconds. A {@linkplain io.distlock.LockOptions#fair() fair}
 * factory's locks are served first come, first served instead: every waiting reader and writer
 * takes a place in a queue on the server (kept while its JVM lives), a reader waits for the
 * writers queued before it, a writer for everyone queued before it, and consecutive readers get
 * in together.
 *
 * <p><b>Cost.</b> Each first acquisition by a thread is one round trip (one Lua script); each final
 * release of a read lock one more, of the write lock two (it also clears its writer's intent; a
 * fair factory's, one);
 * re-acquisitions by a holder are local. Every reading thread holds a lease of
 * its own, renewed by the watchdog.
 */
public final class RedisReadWriteLock extends DistributedReentrantReadWriteLock {

    private static final long serialVersionUID = 1L;

    RedisReadWriteLock() {
    }
}
