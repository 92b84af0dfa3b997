package io.distlock.jmh;

/**
 * One lock implementation under measurement, behind the same shape so that every benchmark runs
 * every candidate the same way. Implementations are made by {@link Candidates}.
 */
interface Candidate extends AutoCloseable {

    /** Blocks until acquired. */
    void lock() throws Exception;

    /** Acquires if free now. */
    boolean tryLock() throws Exception;

    /** Releases. */
    void unlock() throws Exception;

    @Override
    void close();
}
