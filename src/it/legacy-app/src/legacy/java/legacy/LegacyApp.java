package legacy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Runs in several processes at once over one directory: {@code threads} threads each increment
 * the shared counter {@code increments} times, a producer puts {@code items} items named
 * {@code <id>-<n>} into the shared buffer and a consumer takes {@code items} items, printed as
 * {@code TOOK <item>}; then {@code DONE}.
 * Usage: {@code LegacyApp <dir> <id> <threads> <increments> <items>}.
 */
public class LegacyApp {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        String id = args[1];
        int threads = Integer.parseInt(args[2]);
        int increments = Integer.parseInt(args[3]);
        int items = Integer.parseInt(args[4]);
        SharedCounter counter = new SharedCounter(dir.resolve("counter"));
        BoundedBuffer buffer = new BoundedBuffer(dir.resolve("buffer"), 4);
        List<String> taken = Collections.synchronizedList(new ArrayList<>());

        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            all.add(new Thread(() -> {
                for (int i = 0; i < increments; i++) {
                    counter.increment();
                }
            }));
        }
        all.add(new Thread(() -> {
            try {
                for (int i = 0; i < items; i++) {
                    buffer.put(id + "-" + i);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        all.add(new Thread(() -> {
            try {
                for (int i = 0; i < items; i++) {
                    taken.add(buffer.take());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        all.forEach(Thread::start);
        for (Thread t : all) {
            t.join();
        }
        for (String item : taken) {
            System.out.println("TOOK " + item);
        }
        System.out.println("DONE");
        System.exit(0);
    }
}
