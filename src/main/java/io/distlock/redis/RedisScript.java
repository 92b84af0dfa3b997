package io.distlock.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A Lua script with its SHA-1, run by EVALSHA and loaded by EVAL only when the server lacks it. */
final class RedisScript {

    /**
     * Acquire. KEYS: lock key, fence key. ARGV: token, lease ms, fence retention ms.
     * Returns {1, fencing token} when the lock was free, {0, holder's PTTL} when busy.
     * The fencing token is max(last + 1, server time in microseconds): monotonic while the fence
     * key lives, and still growing after a restart that lost it, as long as the clock does.
     */
    static final RedisScript ACQUIRE = new RedisScript(String.join("\n",
            "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then",
            "  local t = redis.call('TIME')",
            "  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])",
            "  local last = tonumber(redis.call('GET', KEYS[2]) or '0') or 0",
            "  local fence = math.max(last + 1, now)",
            "  redis.call('SET', KEYS[2], string.format('%.0f', fence), 'PX', ARGV[3])",
            "  return {1, fence}",
            "end",
            "return {0, redis.call('PTTL', KEYS[1])}"));

    /**
     * Release. KEYS: lock key. ARGV: token, channel. Deletes the key only if it holds the token,
     * then announces the release. Returns 0 if the token did not own the key, else 1 + the number
     * of subscribers that received the announcement.
     */
    static final RedisScript RELEASE = new RedisScript(String.join("\n",
            "if redis.call('GET', KEYS[1]) == ARGV[1] then",
            "  redis.call('DEL', KEYS[1])",
            "  return 1 + redis.call('PUBLISH', ARGV[2], '0')",
            "end",
            "return 0"));

    /**
     * Inspect. KEYS: lock key, fence key. Returns {-2, 0} when free, else {PTTL, last fencing
     * token}: the fence key is written with the lock key, so it holds the holder's token.
     */
    static final RedisScript INSPECT = new RedisScript(String.join("\n",
            "local ttl = redis.call('PTTL', KEYS[1])",
            "if ttl == -2 then return {-2, 0} end",
            "return {ttl, tonumber(redis.call('GET', KEYS[2]) or '0') or 0}"));

    /** Renew. KEYS: lock key. ARGV: token, lease ms. Returns 1 if renewed, 0 if not owned. */
    static final RedisScript RENEW = new RedisScript(String.join("\n",
            "if redis.call('GET', KEYS[1]) == ARGV[1] then",
            "  return redis.call('PEXPIRE', KEYS[1], ARGV[2])",
            "end",
            "return 0"));

    final String source;
    final String sha1;

    private RedisScript(String source) {
        this.source = source;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            this.sha1 = HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every Java platform", e);
        }
    }
}
