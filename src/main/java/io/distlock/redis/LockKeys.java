package io.distlock.redis;

/**
 * Every Redis key and channel of one lock name under one prefix: the only place where they are
 * spelt. {@code lock} is {@code prefix + "{" + hashTag(name) + "}"}; every other key and channel
 * starts with it, so they all share its hash tag and, on Redis Cluster, its slot. What each key
 * holds: RedisBackend (exclusive and fair locks), RedisReadWriteBackend (read/write locks) and
 * RedisConditions (conditions).
 *
 * <p>The keys of every exclusive acquisition and release are made with the record (a back end
 * keeps the records of recent names: RedisBackend.keys); the others on demand.
 *
 * @param lock the exclusive lock's lease, which is also its release channel: {@code P{N}}
 * @param fence the last fencing token issued for the name, shared by its exclusive and
 *        read/write locks: {@code P{N}:fence}
 * @param waiting the set of the tokens of the waiting acquisitions of the exclusive lock:
 *        {@code P{N}:w}
 * @param givenUp the tokens given up with their outcome unknown, shared by the exclusive and
 *        read/write locks: {@code P{N}:g}
 */
record LockKeys(String lock, String fence, String waiting, String givenUp) {

    /** The keys of {@code name} under {@code prefix}. */
    static LockKeys of(String prefix, String name) {
        String lock = startOfNames(prefix, name) + "}";
        return new LockKeys(lock, lock + ":fence", lock + ":w", lock + ":g");
    }

    /**
     * The start of every key and channel of every name that starts with {@code namePrefix} (with
     * {@code ""}, of every name under {@code prefix}): what a SCAN or a pattern subscription matches.
     */
    static String startOfNames(String prefix, String namePrefix) {
        return prefix + "{" + hashTag(namePrefix);
    }

    /**
     * The name as it stands between the braces: unchanged unless it holds a brace or a
     * backslash, which are escaped (injectively, character by character, so that the tag of a
     * name's prefix is a prefix of its tag) so that the hash tag is always the whole name and
     * never empty.
     */
    static String hashTag(String name) {
        if (name.indexOf('{') < 0 && name.indexOf('}') < 0 && name.indexOf('\\') < 0) {
            return name;
        }
        StringBuilder b = new StringBuilder(name.length() + 8);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '{' -> b.append("\\(");
                case '}' -> b.append("\\)");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** The lock name in one of its keys under {@code prefix} (the inverse of hashTag), or null. */
    static String nameOf(String prefix, String key) {
        if (!key.startsWith(prefix + "{")) {
            return null;
        }
        StringBuilder name = new StringBuilder();
        for (int i = prefix.length() + 1; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '}') {
                return name.toString();
            }
            if (c == '\\' && i + 1 < key.length()) {
                char n = key.charAt(++i);
                name.append(n == '(' ? '{' : n == ')' ? '}' : n);
            } else {
                name.append(c);
            }
        }
        return null;
    }

    /** The fair queue of the exclusive lock: tokens by arrival. */
    String fairQueue() {
        return lock + ":fq";
    }

    /** The start of the alive keys of the fair queue's entries (one per token). */
    String fairAlivePrefix() {
        return lock + ":fw:";
    }

    /** The read/write lock's release channel, and the start of its keys. */
    String rw() {
        return lock + ":rw";
    }

    /** The read/write lock's writer: its token, with its lease as TTL. */
    String rwWriter() {
        return rw() + ":w";
    }

    /** The read/write lock's readers, scored by the end of each one's lease. */
    String rwReaders() {
        return rw() + ":r";
    }

    /** A waiting writer's intent, which keeps new readers out. */
    String rwIntent() {
        return rw() + ":i";
    }

    /** The fair queue of the read/write lock: kind + token by arrival. */
    String rwQueue() {
        return rw() + ":q";
    }

    /** The start of the alive keys of the read/write fair queue's entries (one per token). */
    String rwAlivePrefix() {
        return rw() + ":qa:";
    }

    /** The keys of the exclusive lock's conditions. */
    ConditionKeys conditions() {
        return new ConditionKeys(lock);
    }

    /** The keys of the write lock's conditions. */
    ConditionKeys writeConditions() {
        return new ConditionKeys(rw());
    }

    /**
     * The keys and channels of the conditions of one lock (exclusive or write), all starting with
     * {@code base}, the lock's key ({@code P{N}}) or its read/write base ({@code P{N}:rw}).
     */
    record ConditionKeys(String base) {

        /** The start of every condition queue of the lock. */
        String queuePrefix() {
            return base + ":c:";
        }

        /** The queue of {@code condition}: waiter ids by arrival. */
        String queue(String condition) {
            return queuePrefix() + condition;
        }

        /** The start of the waiters' alive keys (one per waiter id). */
        String alivePrefix() {
            return base + ":w:";
        }

        /** The start of the waiters' wake-up channels (one per waiter id). */
        String signalPrefix() {
            return base + ":s:";
        }
    }
}
