package io.distlock.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Where the time of the uncontended Redis lock+unlock goes inside Redis: the server-side time of
 * the library's acquire and release scripts (as Redis accounts it, {@code INFO commandstats},
 * microseconds per {@code EVALSHA}) against variants that leave out one part each, and against
 * scripts doing only what the floor does ({@code SET NX PX}, also as a plain command, which is
 * how the floor sends it; compare-and-delete, by {@code EVALSHA} and by {@code EVAL} as the floor
 * sends it). The calls are pipelined, 50 at a time on 50 names ({@code
 * -Ddistlock.scriptcost.pipeline=N}), so that Redis runs them back to back with its caches warm;
 * with {@code N = 1} each request waits for the last answer, as a lock's calls do, and Redis's
 * figures then include the cold caches of a server that slept in between.
 *
 * <p>The variants are the library's own script texts (read from its jar, as it sends them: the
 * helpers of {@code lib/} in front) with one part cut out, not a model of them: {@code no fence}
 * returns a constant instead of computing the fencing token ({@code TIME} and {@code SET ... GET
 * PX}), {@code INCR instead of the fence} takes a bare counter instead (which would not keep
 * growing after a lost counter), {@code no given-up check} drops the {@code ZSCORE} that refuses
 * late requests, {@code no helpers} drops the helper functions the uncontended path never calls.
 * If a script no longer
 * has the text a variant cuts, the program fails naming it. Variants are for measurement only:
 * each drops a guarantee.
 *
 * <p>Run: {@code java -Ddistlock.redis=HOST:PORT -cp target/benchmarks.jar
 * io.distlock.jmh.RedisScriptCost [pairs per repetition (20,000)] [repetitions (7)]}; it prints
 * the median and the least of the repetitions for each variant, and fails if Redis counted a
 * failed call. It resets the server's command statistics ({@code CONFIG RESETSTAT}) before each
 * measurement: use a server of your own. It deletes its keys at the end.
 */
public final class RedisScriptCost {

    private RedisScriptCost() {
    }

    private static final int PIPELINE = Integer.getInteger("distlock.scriptcost.pipeline", 50);

    private static final String FENCE_CALL = "  return nextFence(fenceKey, fenceRetentionMs, redis.call('TIME'))\nend\n";
    private static final String GIVEN_UP_CHECK =
            "if redis.call('ZSCORE', givenUpKey, token) then return givenUpError() end\n";
    private static final String MARK_WAITING_CALL = "if waits then markWaiting(waitingKey, token, ttl) end\n";

    public static void main(String[] args) {
        int pairs = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int repetitions = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        if (PIPELINE < 1 || pairs < PIPELINE || repetitions < 1) {
            throw new IllegalArgumentException("the pipeline must be at least 1, pairs at least the pipeline ("
                    + PIPELINE + ") and repetitions at least 1");
        }
        String givenUpError = script("lib/given_up_error.lua");
        String nextFence = script("lib/next_fence.lua");
        String markWaiting = script("lib/mark_waiting.lua");
        String markGivenUp = script("lib/mark_given_up.lua");
        String acquire = script("acquire.lua");
        String release = script("exclusive_release.lua");
        String library = givenUpError + nextFence + markWaiting + acquire;
        String libraryRelease = markGivenUp + nextFence + release;

        Map<String, String> acquires = new LinkedHashMap<>();
        acquires.put("library", library);
        acquires.put("no fence", cut(library, FENCE_CALL, "  return 1\nend\n"));
        acquires.put("INCR instead of the fence", cut(library, FENCE_CALL, "  return redis.call('INCR', fenceKey)\nend\n"));
        acquires.put("no given-up check", cut(library, GIVEN_UP_CHECK, ""));
        acquires.put("no helpers", nextFence + cut(cut(acquire, GIVEN_UP_CHECK,
                "if redis.call('ZSCORE', givenUpKey, token) then return redis.error_reply('given up') end\n"),
                MARK_WAITING_CALL, ""));
        acquires.put("SET NX PX only", "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end "
                + "return 0");
        Map<String, String> releases = new LinkedHashMap<>();
        releases.put("library", libraryRelease);
        String compareAndDelete =
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
        releases.put("compare-and-delete only", compareAndDelete);

        // the server and its settings (user, TLS) as every other program of the module takes them
        try (Jedis jedis = new Jedis(new HostAndPort(Candidates.redisHost(), Candidates.redisPort()),
                Candidates.redisConfig())) {
            Map<String, List<Double>> acquireMicros = new LinkedHashMap<>();
            Map<String, List<Double>> releaseMicros = new LinkedHashMap<>();
            for (int r = 0; r < repetitions; r++) {
                for (Map.Entry<String, String> e : acquires.entrySet()) {
                    boolean bare = e.getKey().equals("SET NX PX only");
                    String sha = jedis.scriptLoad(e.getValue());
                    acquireMicros.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                            .add(measure(jedis, pairs, (p, k) -> {
                                String token = UUID.randomUUID().toString();
                                p.evalsha(sha, bare ? List.of(k.lock) : k.acquireKeys,
                                        bare ? List.of(token, "30000") : acquireArgs(token));
                                p.del(k.lock);
                            }));
                }
                // the floor's acquisition is no script at all
                acquireMicros.computeIfAbsent("plain SET NX PX (no script)", k -> new ArrayList<>())
                        .add(measure(jedis, pairs, (p, k) -> {
                            p.set(k.lock, UUID.randomUUID().toString(),
                                    redis.clients.jedis.params.SetParams.setParams().nx().px(30_000));
                            p.del(k.lock);
                        }, "set"));
                // the floor's release sends the script's text every time (EVAL), as RawRedis does
                releaseMicros.computeIfAbsent("compare-and-delete by EVAL", k -> new ArrayList<>())
                        .add(measure(jedis, pairs, (p, k) -> {
                            String token = UUID.randomUUID().toString();
                            p.set(k.lock, token);
                            p.eval(compareAndDelete, List.of(k.lock), List.of(token));
                        }, "eval"));
                for (Map.Entry<String, String> e : releases.entrySet()) {
                    boolean bare = !e.getKey().equals("library");
                    String sha = jedis.scriptLoad(e.getValue());
                    releaseMicros.computeIfAbsent(e.getKey(), k -> new ArrayList<>())
                            .add(measure(jedis, pairs, (p, k) -> {
                                String token = UUID.randomUUID().toString();
                                p.set(k.lock, token);
                                p.evalsha(sha, bare ? List.of(k.lock) : k.releaseKeys,
                                        bare ? List.of(token) : List.of(token, k.lock, "0", "3600000", "1"));
                            }));
                }
            }
            System.out.printf(Locale.ROOT, "Redis %s, %d pairs x %d repetitions, %d request(s) at a time: "
                    + "microseconds inside Redis per EVALSHA, or per SET for the plain command (median, least)%n",
                    jedis.info("server").replaceAll("(?s).*redis_version:([^\\r\\n]+).*", "$1"), pairs, repetitions,
                    PIPELINE);
            acquireMicros.forEach((k, v) -> print("acquire", k, v));
            releaseMicros.forEach((k, v) -> print("release", k, v));
            for (int i = 0; i < PIPELINE; i++) {
                Keys k = new Keys(i);
                jedis.del(k.acquireKeys.toArray(String[]::new));
            }
        }
        System.exit(0);
    }

    /** The acquire script's ARGV for an uncontended lock(): waits if busy, nothing reserved, not waiting before. */
    private static List<String> acquireArgs(String token) {
        return List.of(token, "30000", "3600000", "1", "0", "0", "0", "0");
    }

    /** The keys of one of the pipeline's names, in the scripts' orders. */
    private static final class Keys {
        final String lock;
        final List<String> acquireKeys;
        final List<String> releaseKeys;

        Keys(int i) {
            String tag = "{distlock-script-cost-" + i + "}";
            lock = tag + "lock";
            acquireKeys = List.of(lock, tag + "fence", tag + "waiting", tag + "given-up");
            releaseKeys = List.of(lock, tag + "waiting", tag + "given-up", tag + "fence");
        }
    }

    private interface Step {
        void queue(Pipeline p, Keys k);
    }

    /** Runs {@code pairs} steps, pipelined, and returns Redis's microseconds per EVALSHA. */
    private static double measure(Jedis jedis, int pairs, Step step) {
        return measure(jedis, pairs, step, "evalsha");
    }

    /** Runs {@code pairs} steps, pipelined, and returns Redis's microseconds per call of {@code command}. */
    private static double measure(Jedis jedis, int pairs, Step step, String command) {
        Keys[] keys = new Keys[PIPELINE];
        for (int i = 0; i < PIPELINE; i++) {
            keys[i] = new Keys(i);
        }
        // a first pass not counted (the script's first runs, the keys' first writes)
        run(jedis, PIPELINE * 4, step, keys);
        jedis.configResetStat();
        run(jedis, pairs, step, keys);
        for (String line : jedis.info("commandstats").split("\r\n")) {
            if (line.startsWith("cmdstat_") && line.matches(".*failed_calls=[1-9].*")) {
                throw new IllegalStateException("Redis counted failed calls, the figures would be of errors: " + line);
            }
        }
        for (String line : jedis.info("commandstats").split("\r\n")) {
            if (line.startsWith("cmdstat_" + command + ":")) {
                return Double.parseDouble(line.replaceAll(".*usec_per_call=([0-9.]+).*", "$1"));
            }
        }
        throw new IllegalStateException("Redis reported no " + command + " calls (INFO commandstats)");
    }

    private static void run(Jedis jedis, int pairs, Step step, Keys[] keys) {
        for (int i = 0; i < pairs; i += PIPELINE) {
            Pipeline p = jedis.pipelined();
            for (Keys k : keys) {
                step.queue(p, k);
            }
            p.sync();
        }
    }

    private static void print(String which, String variant, List<Double> micros) {
        double[] v = micros.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        System.out.printf(Locale.ROOT, "  %-7s %-28s %6.2f us (least %.2f)%n", which, variant, v[v.length / 2], v[0]);
    }

    /** {@code text} with {@code part} replaced by {@code by}; fails if the text has no such part. */
    private static String cut(String text, String part, String by) {
        if (!text.contains(part)) {
            throw new IllegalStateException("the script no longer has the part this variant cuts: " + part.strip());
        }
        return text.replace(part, by);
    }

    /** The library's script {@code file} (under io/distlock/redis/ in its jar). */
    private static String script(String file) {
        String path = "/io/distlock/redis/" + file;
        try (InputStream in = RedisScriptCost.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no " + path + " on the class path (the library's jar)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
