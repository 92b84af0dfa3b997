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

    /**
     * The readers' side for a reader that is not this back end's current write holder: it never
     * counts as a downgrade, so it waits for every writer, this back end's own included. The
     * engine uses it for the waiting readers of a fair lock ({@code LockOptions.fair}), which
     * take their place on the server before they take the JVM-local lock, while another thread
     * of the JVM may hold the write lock; in a back end that queues waiters, such a reader queues
     * in arrival order with the writers. The default is {@link #readSide()}, right for a back end
     * that never lets a reader in beside a writer.
     *
     * @return the read side for readers that are not the write holder
     */
    default LockBackend queuedReadSide() {
        return readSide();
    }
}
