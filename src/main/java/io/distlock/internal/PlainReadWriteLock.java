package io.distlock.internal;

/**
 * The read/write lock objects of an engine made without a back end's factory (tests, benchmarks):
 * a {@link io.distlock.DistributedReentrantReadWriteLock} with nothing added.
 */
final class PlainReadWriteLock extends io.distlock.DistributedReentrantReadWriteLock {
    private static final long serialVersionUID = 1L;
}
