package io.distlock;

/**
 * The original library's lock types, for the service layer's methods that take one. Both refer
 * to the {@linkplain DistributedLockFactory#getReadWriteLock read/write lock} of a name, so that
 * shared and exclusive holders of one name exclude each other as they should.
 */
public enum LockType {

    /** One holder at a time: the write lock of the name's read/write lock. */
    EXCLUSIVE,

    /** Any number of holders together, none while an exclusive holder has it: the read lock. */
    SHARED;

    /**
     * The lock of this type for {@code name} from {@code factory}.
     *
     * @param factory the factory
     * @param name the lock name
     * @return the write lock (exclusive) or the read lock (shared) of the name
     */
    public DistributedLock of(DistributedLockFactory factory, String name) {
        DistributedReadWriteLock rw = factory.getReadWriteLock(name);
        return this == EXCLUSIVE ? rw.writeLock() : rw.readLock();
    }
}
