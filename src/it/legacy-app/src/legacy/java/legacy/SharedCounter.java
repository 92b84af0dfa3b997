package legacy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/** A counter kept in a file, guarded by a lock: correct in one JVM, not across several. */
public class SharedCounter {

    private final Lock lock = new ReentrantLock();
    private final Path file;

    public SharedCounter(Path file) {
        this.file = file;
    }

    public void increment() {
        lock.lock();
        try {
            long value = Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : 0;
            Files.writeString(file, Long.toString(value + 1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
    }
}
