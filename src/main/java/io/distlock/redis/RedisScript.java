package io.distlock.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script with its SHA-1, run by EVALSHA and loaded by EVAL only when the server lacks it.
 *
 * <p>Constant {@code X} is the resource {@code x.lua} next to this class, which says what it
 * does, which KEYS and ARGV it takes and what it returns. Redis scripts cannot include one
 * another, so the helper functions some of them share live in {@code lib/} (one {@code local
 * function} a file) and are put in front of the script that calls them here, at class
 * initialisation, when every resource is read once.
 */
final class RedisScript {

    /**
     * How long a token stays recorded as given up: longer than any request of it can be held up
     * between the client and Redis, short of a server frozen or a network stalled for longer (a
     * request delivered later still takes nothing for more than its lease). lib/mark_given_up.lua
     * holds the same number.
     */
    static final long GIVEN_UP_MILLIS = 15 * 60_000;

    /** The start of the error reply to an acquire request whose token was given up (lib/given_up_error.lua). */
    static final String GIVEN_UP_ERROR = "DISTLOCK-GIVEN-UP";

    private static final String GIVEN_UP = helper("given_up_error");
    private static final String MARK_GIVEN_UP = helper("mark_given_up");
    private static final String NEXT_FENCE = helper("next_fence");
    private static final String MARK_WAITING = helper("mark_waiting");
    private static final String JOIN_QUEUE = helper("join_queue");
    private static final String LIVE_HEAD = helper("live_head");
    private static final String LIVE_ENTRIES = helper("live_entries");
    private static final String DROP_EXPIRED_READERS = helper("drop_expired_readers");
    private static final String KEEP_READERS = helper("keep_readers");

    // exclusive locks
    static final RedisScript ACQUIRE = load("acquire", GIVEN_UP, NEXT_FENCE, MARK_WAITING);
    static final RedisScript EXCLUSIVE_RELEASE = load("exclusive_release", MARK_GIVEN_UP, NEXT_FENCE);
    static final RedisScript RENEW = load("renew");
    static final RedisScript INSPECT = load("inspect");
    static final RedisScript FAIR_ACQUIRE = load("fair_acquire", GIVEN_UP, NEXT_FENCE, MARK_WAITING, JOIN_QUEUE,
            LIVE_HEAD);
    static final RedisScript FAIR_ACQUIRE_IN_TURN = load("fair_acquire_in_turn", GIVEN_UP, NEXT_FENCE, LIVE_HEAD);
    static final RedisScript FAIR_RELEASE = load("fair_release", MARK_GIVEN_UP, LIVE_HEAD);

    // read/write locks (their write side also uses RENEW and INSPECT)
    static final RedisScript RW_WRITE_ACQUIRE = load("rw_write_acquire", GIVEN_UP, NEXT_FENCE, DROP_EXPIRED_READERS);
    static final RedisScript RW_WRITE_RELEASE = load("rw_write_release", MARK_GIVEN_UP);
    static final RedisScript RW_CANCEL_WRITE_INTENT = load("rw_cancel_write_intent");
    static final RedisScript RW_READ_ACQUIRE = load("rw_read_acquire", GIVEN_UP, NEXT_FENCE, DROP_EXPIRED_READERS,
            KEEP_READERS);
    static final RedisScript RW_READ_RELEASE = load("rw_read_release", MARK_GIVEN_UP);
    static final RedisScript RW_READ_RENEW = load("rw_read_renew", KEEP_READERS);
    static final RedisScript RW_READ_INSPECT = load("rw_read_inspect", DROP_EXPIRED_READERS);
    static final RedisScript FAIR_RW_ACQUIRE = load("fair_rw_acquire", GIVEN_UP, NEXT_FENCE, JOIN_QUEUE,
            DROP_EXPIRED_READERS, KEEP_READERS);
    static final RedisScript FAIR_RW_ACQUIRE_IN_TURN = load("fair_rw_acquire_in_turn", GIVEN_UP, NEXT_FENCE,
            DROP_EXPIRED_READERS, KEEP_READERS);
    static final RedisScript FAIR_RW_RELEASE = load("fair_rw_release", MARK_GIVEN_UP);

    // conditions (of exclusive locks and write locks)
    static final RedisScript CONDITION_AWAIT = load("condition_await");
    static final RedisScript CONDITION_SIGNAL = load("condition_signal");
    static final RedisScript CONDITION_WITHDRAW = load("condition_withdraw");
    static final RedisScript CONDITION_KEEP_ALIVE = load("condition_keep_alive");
    static final RedisScript CONDITION_COUNT = load("condition_count", LIVE_ENTRIES);

    // the operator's (LockAdmin)
    static final RedisScript ADMIN_INSPECT = load("admin_inspect", LIVE_ENTRIES);
    static final RedisScript ADMIN_FORCE_RELEASE = load("admin_force_release", LIVE_HEAD);
    static final RedisScript ADMIN_FORCE_RELEASE_READ_WRITE = load("admin_force_release_read_write",
            DROP_EXPIRED_READERS);
    static final RedisScript CONDITION_LIVE_WAITERS = load("condition_live_waiters", LIVE_ENTRIES);

    final String source;
    final String sha1;
    /**
     * The same script for Redis Cluster: releases announced with SPUBLISH on the lock's own slot
     * (sharded pub/sub, Redis 7), so a release reaches the one shard that serves the lock, not every
     * node of the cluster. Every channel a script announces on carries the lock's hash tag.
     */
    final RedisScript sharded;

    private RedisScript(String source) {
        this(source, false);
    }

    private RedisScript(String source, boolean sharded) {
        this.source = source;
        this.sharded = sharded || !source.contains("'PUBLISH'")
                ? this : new RedisScript(source.replace("'PUBLISH'", "'SPUBLISH'"), true);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            this.sha1 = HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }

    /** The script {@code name}.lua, after the helpers it calls. */
    private static RedisScript load(String name, String... helpers) {
        return new RedisScript(String.join("", helpers) + read(name + ".lua"));
    }

    /** The helper lib/{@code name}.lua. */
    private static String helper(String name) {
        return read("lib/" + name + ".lua");
    }

    private static String read(String file) {
        String path = RedisScript.class.getPackageName().replace('.', '/') + "/" + file;
        try (InputStream in = RedisScript.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("the Redis script " + path + " is missing: it belongs in the "
                        + "distlock jar, next to " + RedisScript.class.getName() + " (a repackaged or shaded jar "
                        + "must keep the .lua resources)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Redis script " + path, e);
        }
    }
}
