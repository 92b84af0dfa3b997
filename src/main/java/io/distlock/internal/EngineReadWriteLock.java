package io.distlock.internal;

import io.distlock.DistributedLock;
import io.distlock.DistributedReadWriteLock;
import java.util.Objects;

/**
 * The {@link DistributedReadWriteLock} methods, written once for every back end over a
 * {@link ReadWriteSync}; back-end classes extend it and add nothing but their name.
 */
public abstract class EngineReadWriteLock implements DistributedReadWriteLock {

    private final ReadWriteSync sync;
    private final DistributedLock readLock;
    private final DistributedLock writeLock;

    /**
     * Creates the lock over the engine's state for one name.
     *
     * @param sync the shared state of the name
     */
    protected EngineReadWriteLock(ReadWriteSync sync) {
        this.sync = Objects.requireNonNull(sync, "sync");
        String owner = getClass().getSimpleName();
        this.readLock = new SideLock(sync.readSide(), owner + ".readLock");
        this.writeLock = new SideLock(sync.writeSide(), owner + ".writeLock");
    }

    @Override
    public final String getName() {
        return sync.name();
    }

    @Override
    public final DistributedLock readLock() {
        return readLock;
    }

    @Override
    public final DistributedLock writeLock() {
        return writeLock;
    }

    /**
     * Returns a string identifying this lock and the local state of both sides.
     */
    @Override
    public final String toString() {
        return getClass().getSimpleName() + "[" + sync.name() + "]" + sync.readSide().describeState()
                + sync.writeSide().describeState();
    }

    /** One side of the lock, as a {@link DistributedLock}. */
    private static final class SideLock extends EngineLock {
        private final String label;

        SideLock(SyncOps side, String label) {
            super(side);
            this.label = label;
        }

        @Override
        protected String label() {
            return label;
        }
    }
}
