package io.distlock.internal;

import java.util.function.Function;

/**
 * A small cache of what a back end derives from a lock name on every request (its server keys,
 * encoded), so that a thread locking and unlocking the same names does not build them again for
 * each call.
 *
 * <pre>
 * Direct-mapped: one slot per hash bucket (SLOTS of them), a name taking its bucket's slot from
 * whichever name held it. So the cache is bounded whatever the number of names (a million names
 * locked once keep at most SLOTS entries), costs one array read and a string comparison on a hit,
 * and needs no lock: a slot holds an immutable entry (final fields), so a racing reader sees a
 * whole entry, an older one, or none, and a miss derives the value again, as without the cache.
 * The derived values must be immutable and a function of the name alone.
 * </pre>
 *
 * @param <T> what is derived from a name
 */
public final class NameCache<T> {

    /** Slots (a power of two). */
    static final int SLOTS = 256;

    private final Function<String, T> derive;
    private final Entry<T>[] slots;

    private record Entry<T>(String name, T value) {
    }

    /**
     * @param derive what to derive from a name (immutable results, depending on the name alone)
     */
    @SuppressWarnings("unchecked")
    public NameCache(Function<String, T> derive) {
        this.derive = derive;
        this.slots = (Entry<T>[]) new Entry<?>[SLOTS];
    }

    /**
     * What is derived from {@code name}: the cached value, or one derived now (and cached in
     * place of the bucket's previous name).
     *
     * @param name a lock name
     * @return the derived value
     */
    public T get(String name) {
        int h = name.hashCode();
        int i = (h ^ (h >>> 16)) & (SLOTS - 1);
        Entry<T> e = slots[i];
        if (e != null && (e.name == name || e.name.equals(name))) {
            return e.value;
        }
        T value = derive.apply(name);
        slots[i] = new Entry<>(name, value);
        return value;
    }
}
