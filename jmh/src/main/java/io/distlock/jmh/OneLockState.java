package io.distlock.jmh;

import java.util.HashMap;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Benchmarks in which one thread uses one lock: the candidate named by the subclass's
 * {@code impl} parameter, made before the trial and closed after it.
 */
public abstract class OneLockState {

    private Candidates.Clients clients;
    /** The lock under measurement. */
    protected Candidate lock;

    /** The candidate's name (the subclass's {@code @Param}). */
    protected abstract String impl();

    /** The lock name, distinct per benchmark. */
    protected abstract String lockName();

    @Setup(Level.Trial)
    public void setUpLock() {
        clients = new Candidates.Clients();
        lock = Candidates.create(impl(), lockName(), clients, new HashMap<>());
    }

    @TearDown(Level.Trial)
    public void tearDownLock() {
        lock.close();
        clients.close();
    }
}
