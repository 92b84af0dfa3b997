package legacy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** The bounded buffer of Condition's javadoc, its items in a file (one per line). */
public class BoundedBuffer {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition notEmpty = lock.newCondition();
    private final Path file;
    private final int capacity;

    public BoundedBuffer(Path file, int capacity) {
        this.file = file;
        this.capacity = capacity;
    }

    public void put(String item) throws InterruptedException {
        lock.lock();
        try {
            List<String> items = read();
            while (items.size() == capacity) {
                notFull.await();
                items = read();
            }
            items.add(item);
            write(items);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    public String take() throws InterruptedException {
        lock.lock();
        try {
            List<String> items = read();
            while (items.isEmpty()) {
                notEmpty.await();
                items = read();
            }
            String item = items.remove(0);
            write(items);
            notFull.signal();
            return item;
        } finally {
            lock.unlock();
        }
    }

    private List<String> read() {
        try {
            return Files.exists(file) ? new ArrayList<>(Files.readAllLines(file)) : new ArrayList<>();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(List<String> items) {
        try {
            Files.write(file, items);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
