package io.distlock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The scripts as loaded from their resources, without a server (what they do on one is what
 * every other Redis test checks): the Java constants agree with the Lua, each script names its
 * KEYS and ARGV once at its top, and the Redis Cluster variant announces on the lock's shard.
 */
class RedisScriptTest {

    @Test
    void theGivenUpConstantsAgreeWithTheLuaHelpers() {
        assertThat(RedisScript.ACQUIRE.source)
                .contains("redis.error_reply('" + RedisScript.GIVEN_UP_ERROR + " ");
        assertThat(RedisScript.EXCLUSIVE_RELEASE.source)
                .contains("local GIVEN_UP_MILLIS = " + RedisScript.GIVEN_UP_MILLIS + "\n");
    }

    @Test
    void everyScriptNamesItsKeysAndArgumentsOnceAtItsTop() throws Exception {
        List<RedisScript> scripts = scripts();
        assertThat(scripts).hasSize(26);   // cancel_waiting folded into exclusive_release (2026-12-07)
        for (RedisScript script : scripts) {
            assertThat(script.sha1).matches("[0-9a-f]{40}");
            for (String line : script.source.split("\n")) {
                if (line.contains("KEYS[") || line.contains("ARGV[")) {
                    assertThat(line).as("a named local").matches("local \\w+ = .*");
                }
            }
        }
    }

    @Test
    void theClusterVariantAnnouncesOnTheLocksShard() {
        assertThat(RedisScript.EXCLUSIVE_RELEASE.sharded.source).contains("'SPUBLISH'").doesNotContain("'PUBLISH'");
        assertThat(RedisScript.EXCLUSIVE_RELEASE.sharded.sha1).isNotEqualTo(RedisScript.EXCLUSIVE_RELEASE.sha1);
        assertThat(RedisScript.ACQUIRE.sharded).isSameAs(RedisScript.ACQUIRE);
    }

    private static List<RedisScript> scripts() throws IllegalAccessException {
        List<RedisScript> scripts = new ArrayList<>();
        for (Field f : RedisScript.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == RedisScript.class) {
                scripts.add((RedisScript) f.get(null));
            }
        }
        return scripts;
    }
}
