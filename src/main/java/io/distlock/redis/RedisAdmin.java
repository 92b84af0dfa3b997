package io.distlock.redis;

import io.distlock.spi.LockAdmin;
import io.distlock.spi.LockState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import redis.clients.jedis.ScanIteration;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.resps.ScanResult;

/**
 * The operator's view of a Redis back end (see {@link LockAdmin}): inspection and forced release
 * are one script each on the lock's slot (admin_inspect.lua, admin_force_release.lua,
 * admin_force_release_read_write.lua); listing
 * SCANs the prefix (every primary of a cluster) and reads the names back from the hash tags.
 */
final class RedisAdmin implements LockAdmin {

    private final RedisBackend redis;
    private final String prefix;

    RedisAdmin(RedisBackend redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    @Override
    public List<String> names(String namePrefix, int limit) {
        String match = glob(LockKeys.startOfNames(prefix, namePrefix)) + "*";
        TreeSet<String> names = new TreeSet<>();
        try {
            ScanIteration scan = redis.client.scanIteration(500, match);
            while (!scan.isIterationCompleted()) {
                ScanResult<String> batch = scan.nextBatch();
                for (String key : batch.getResult()) {
                    String name = LockKeys.nameOf(prefix, key);
                    if (name != null && name.startsWith(namePrefix)) {
                        names.add(name);
                    }
                }
            }
        } catch (JedisException e) {
            throw redis.failure(e);
        }
        return new ArrayList<>(names).subList(0, Math.min(limit, names.size()));
    }

    /** {@code s} with the glob characters of SCAN's MATCH escaped. */
    private static String glob(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    @Override
    public LockState state(String name) {
        return state(name, true);
    }

    /** Without the condition waiters: their queues are found only by a scan of the whole keyspace. */
    @Override
    public LockState summary(String name) {
        return state(name, false);
    }

    private LockState state(String name, boolean conditions) {
        LockKeys k = redis.keys(name);
        List<?> r = (List<?>) redis.run(RedisScript.ADMIN_INSPECT,
                List.of(k.lock(), k.fence(), k.waiting(), k.fairQueue(),
                        k.rwWriter(), k.rwReaders(), k.rwIntent(), k.rwQueue()),
                List.of(k.fairAlivePrefix(), k.rwAlivePrefix()));
        String holder = (String) r.get(0);
        Map<String, List<String>> waiters = new LinkedHashMap<>();
        waiters.put(LockState.WAITING, strings(r.get(3)));
        waiters.put(LockState.FAIR_QUEUE, strings(r.get(4)));
        if (conditions) {
            conditionWaiters(name, waiters);
        }
        String writer = (String) r.get(5);
        waiters.put(LockState.WRITER, writer.isEmpty() ? List.of() : List.of(writer));
        waiters.put(LockState.READERS, strings(r.get(6)));
        String intent = (String) r.get(7);
        waiters.put(LockState.WRITE_INTENT, intent.isEmpty() ? List.of() : List.of(intent));
        waiters.put(LockState.READ_WRITE_QUEUE, strings(r.get(8)));
        long fence = Long.parseLong((String) r.get(2));
        return new LockState(name, holder.isEmpty() ? null : holder, fence, (Long) r.get(1), sinceOf(fence), 0,
                waiters);
    }

    /**
     * When a lock with fencing token {@code fence} was taken: the acquire script seeds the token
     * from the server's clock in microseconds (max(last + 1, now)), so unless the counter ran ahead
     * of the clock it is the acquisition's time; {@code null} if it does not look like a time.
     */
    private static Instant sinceOf(long fence) {
        Instant at = Instant.ofEpochSecond(fence / 1_000_000, (fence % 1_000_000) * 1_000);
        Instant now = Instant.now();
        return at.isAfter(now.minusSeconds(10L * 365 * 86_400)) && at.isBefore(now.plusSeconds(86_400)) ? at : null;
    }

    private void conditionWaiters(String name, Map<String, List<String>> waiters) {
        LockKeys.ConditionKeys c = redis.keys(name).conditions();
        String queues = c.queuePrefix();
        try {
            ScanIteration scan = redis.client.scanIteration(100, glob(queues) + "*");
            while (!scan.isIterationCompleted()) {
                for (String queue : scan.nextBatch().getResult()) {
                    List<String> live = strings(redis.run(RedisScript.CONDITION_LIVE_WAITERS, List.of(queue),
                            List.of(c.alivePrefix())));
                    waiters.put(LockState.CONDITION + queue.substring(queues.length()), live);
                }
            }
        } catch (JedisException e) {
            throw redis.failure(e);
        }
    }

    @Override
    public LockState forceRelease(String name, String expectedHolder) {
        LockKeys k = redis.keys(name);
        List<?> r = (List<?>) redis.run(RedisScript.ADMIN_FORCE_RELEASE, List.of(k.lock(), k.fairQueue(), k.fence()),
                List.of(k.lock(), k.fairAlivePrefix(), expectedHolder == null ? "" : expectedHolder));
        if (r.isEmpty()) {
            return null;
        }
        if (r.size() == 1) {
            throw LockState.heldByAnother(name, (String) r.get(0), expectedHolder);
        }
        long fence = Long.parseLong((String) r.get(2));
        return new LockState(name, (String) r.get(0), fence, (Long) r.get(1), sinceOf(fence), 0, Map.of());
    }

    /** One script (admin_force_release_read_write.lua) on the lock's slot: check, release, announce. */
    @Override
    public Map<String, List<String>> forceReleaseReadWrite(String name, Collection<String> expectedHolders) {
        List<String> expected = LockAdmin.requireHolders(expectedHolders);
        LockKeys k = redis.keys(name);
        List<String> args = new ArrayList<>();
        args.add(k.rw());
        args.add(expected == null ? "1" : "0");
        if (expected != null) {
            args.addAll(expected);
        }
        List<?> r = (List<?>) redis.run(RedisScript.ADMIN_FORCE_RELEASE_READ_WRITE,
                List.of(k.rwWriter(), k.rwReaders()), args);
        if (r.isEmpty()) {
            return Map.of();
        }
        String writer = (String) r.get(1);
        List<String> readers = strings(r.subList(2, r.size()));
        if ((Long) r.get(0) == 0) {
            throw LockState.heldByOthers(name, writer, readers, expected);
        }
        Map<String, List<String>> released = new LinkedHashMap<>();
        released.put(LockState.WRITER, writer.isEmpty() ? List.of() : List.of(writer));
        released.put(LockState.READERS, readers);
        return released;
    }

    private static List<String> strings(Object reply) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) reply) {
            out.add(String.valueOf(o));
        }
        return out;
    }
}
