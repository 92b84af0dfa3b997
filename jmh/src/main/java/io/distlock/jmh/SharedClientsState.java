package io.distlock.jmh;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Benchmarks in which several threads of one JVM make their locks from shared clients (one lock
 * factory, one Redisson client, ...), as an application would.
 */
public abstract class SharedClientsState {

    /** The clients every thread's candidate uses. */
    Candidates.Clients clients;
    /** The JVM-local locks of the ReentrantLock candidate, by name. */
    final ConcurrentHashMap<String, ReentrantLock> local = new ConcurrentHashMap<>();

    @Setup(Level.Trial)
    public void setUpClients() {
        clients = new Candidates.Clients();
    }

    @TearDown(Level.Trial)
    public void tearDownClients() {
        clients.close();
    }
}
