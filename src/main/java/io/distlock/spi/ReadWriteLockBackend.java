package io.distlock.spi;

/**
 * A store of read/write leases, seen by the engine as two {@link LockBackend}s over the same
 * names: the write side (one holder, excluding readers) and the read side (many holders,
 * excluded by a writer).
 *
 * <p>The read side must let a reader in while the only writer is this same back end's current
 * holder of the write side for that name: that is a thread downgrading its write lock, the
 * engine guarantees no other thread of the JVM can read meanwhile. Every other reader waits for
 * the writer. How waiting writers are protected from a stream of readers is the back end's to
 * document.
 */
public interface ReadWriteLockBackend {

    /**
     * The writers' side: at most one lease per name, and none while a reader holds one.
     *
     * @return the write side
     */
    LockBackend writeSide();

    /**
     * The readers' side: any number of leases per name, none while a writer holds one (but for
     * the downgrade above).
     *
     * @return the read side
     */
    LockBackend readSide();
}
