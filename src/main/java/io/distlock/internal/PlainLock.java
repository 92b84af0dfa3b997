package io.distlock.internal;

/**
 * The lock objects of an engine made without a back end's factory (tests, benchmarks, stress
 * tests): a {@link io.distlock.DistributedReentrantLock} with nothing added.
 */
final class PlainLock extends io.distlock.DistributedReentrantLock {
    private static final long serialVersionUID = 1L;
}
