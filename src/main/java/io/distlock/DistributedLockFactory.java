package io.distlock;

/**
 * A source of {@link DistributedLock}s on one back end: one client, one key prefix, one set of
 * {@link LockOptions}. Implemented by {@code RedisLockFactory} and {@code EtcdLockFactory}.
 *
 * <p>A factory is thread-safe and meant to live as long as the application. Locks of one name
 * from factories with the same back end and prefix exclude each other, wherever they are.
 */
public interface DistributedLockFactory extends AutoCloseable {

    /**
     * Returns the lock of {@code name}. Every lock returned for the same name, by this factory or
     * any other with the same back end and prefix, excludes the others. While the returned object
     * is referenced, this factory returns that same object for the name ({@code getLock(n) ==
     * getLock(n)}); once nobody references it, it may be dropped, and a later call makes a new one
     * (an idle lock has no state to lose). The back ends' factories return their own lock class,
     * a {@link DistributedReentrantLock}, which can be assigned where legacy code declares a
     * {@link java.util.concurrent.locks.ReentrantLock}. No network call.
     *
     * @param name the lock name; any non-empty string of at most 4096 characters
     * @return the lock
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if this factory is closed
     */
    DistributedLock getLock(String name);

    /**
     * Returns the read/write lock of {@code name}. Read/write locks of one name, from this factory
     * or any other with the same back end and prefix, coordinate with each other; they are
     * independent of the exclusive lock of the same name. As with {@link #getLock(String)}, one
     * object per name while it is referenced; the back ends' factories return a
     * {@link DistributedReentrantReadWriteLock}. No network call.
     *
     * @param name the lock name; any non-empty string of at most 4096 characters
     * @return the read/write lock
     * @throws NullPointerException if {@code name} is {@code null}
     * @throws IllegalArgumentException if {@code name} is empty or too long
     * @throws IllegalStateException if this factory is closed
     */
    DistributedReadWriteLock getReadWriteLock(String name);

    /**
     * Returns the options every lock of this factory uses.
     *
     * @return the options
     */
    LockOptions options();

    /**
     * Returns the prefix of every key this factory writes.
     *
     * @return the key prefix
     */
    String keyPrefix();

    /**
     * Returns the number of lock names this factory currently keeps local state for: those held,
     * waited for or still referenced by a lock object. Idle, unreferenced names are dropped.
     *
     * @return the size of the local registry
     */
    long localRegistrySize();

    /**
     * Returns the number of leases this factory holds on the server now: those of threads holding
     * a lock (exclusive, read or write) and those kept for a hand-over to a queued thread of this
     * JVM. No network call.
     *
     * @return the number of held leases
     */
    int heldLeaseCount();

    /**
     * Returns the names of the locks of which this factory holds a lease on the server now (the
     * leases {@link #heldLeaseCount()} counts; a name appears once however many leases it has: a
     * lock and the read/write lock of the same name, or several readers). A snapshot that the
     * factory does not change afterwards; no network call.
     *
     * <p>The factories of this library implement it; the default, for other implementations,
     * throws.
     *
     * @return the names, in no order
     * @throws UnsupportedOperationException if the factory does not track them
     */
    default java.util.Set<String> heldLeaseNames() {
        throw new UnsupportedOperationException(getClass().getName() + " does not list its held leases");
    }

    /**
     * Returns an estimate of the number of threads of this JVM waiting to acquire one of this
     * factory's locks now: queued behind another thread of this JVM for the same name, or
     * waiting for the server (the name is held in another JVM, or a retry pauses). A thread that
     * acquires at once is not counted. No network call; computed on each call, in time
     * proportional to {@link #localRegistrySize()}, so that the locks pay nothing for it.
     *
     * @return the number of waiting threads, an estimate as {@code ReentrantLock.getQueueLength()} is
     */
    int waitingThreadCount();

    /**
     * Sends one request to the server and waits for its answer, without the retries every other
     * call makes: whether the server answers now, for a health check. It reads whether the lock
     * {@value #PING_LOCK} is held; no lock is taken and nothing is written.
     *
     * @throws LockBackendException if the server does not answer within the client's own bound
     *         (a frozen or unreachable server; on Redis up to two socket timeouts, on etcd the
     *         request timeout) or refuses the request
     * @throws IllegalStateException if the factory has been closed
     */
    void ping();

    /** The name of the lock whose state {@link #ping()} reads. */
    String PING_LOCK = "distlock-health-probe";

    /**
     * Registers an observer of every lock of this factory, told of acquisitions, failed
     * {@code tryLock} calls and acquisitions that threw, the end of holds, renewals, lost leases
     * and server errors from then on (see {@link LockObserver} for what is reported and on which
     * thread). An observer registered twice is told twice.
     *
     * @param observer the observer
     * @throws NullPointerException if {@code observer} is {@code null}
     */
    void addObserver(LockObserver observer);

    /**
     * Removes an observer registered with {@link #addObserver(LockObserver)} (one registration
     * of it, if it was registered more than once).
     *
     * @param observer the observer
     * @return whether it was registered
     */
    boolean removeObserver(LockObserver observer);

    /**
     * Releases every lease this factory still holds, reporting each as lost (their holders'
     * {@code unlock()} then throws {@link LeaseLostException}), wakes its waiting threads (which
     * give up with {@link IllegalStateException}), stops renewal and notifications, and closes
     * the client if the factory created it. Further acquisitions throw
     * {@link IllegalStateException}. Idempotent.
     */
    @Override
    void close();
}
