package io.distlock;

import java.util.Objects;

/**
 * The settings every lock factory builder shares: key prefix, options and lease listener.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class LockFactoryBuilder<B extends LockFactoryBuilder<B>> {

    private String keyPrefix;
    private LockOptions options = LockOptions.defaults();
    private LeaseListener leaseListener;

    /**
     * Creates a builder with a back end's default key prefix.
     *
     * @param defaultKeyPrefix the prefix used when none is set
     */
    protected LockFactoryBuilder(String defaultKeyPrefix) {
        this.keyPrefix = Objects.requireNonNull(defaultKeyPrefix, "defaultKeyPrefix");
    }

    /** This builder, as its concrete type. */
    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /**
     * Checks a key prefix before it is accepted; the default accepts any.
     *
     * @param keyPrefix the prefix, not {@code null}
     * @throws IllegalArgumentException if the back end cannot use it
     */
    protected void checkKeyPrefix(String keyPrefix) {
    }

    /**
     * Sets the prefix of every key the factory writes. Factories that must exclude each other
     * need the same prefix.
     *
     * @param keyPrefix the prefix; may be empty
     * @return this builder
     * @throws NullPointerException if {@code keyPrefix} is {@code null}
     * @throws IllegalArgumentException if the back end cannot use it
     */
    public B keyPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        checkKeyPrefix(keyPrefix);
        this.keyPrefix = keyPrefix;
        return self();
    }

    /**
     * Sets the lease, renewal, retry and hand-over options (default {@link LockOptions#defaults()}).
     *
     * @param options the options
     * @return this builder
     * @throws NullPointerException if {@code options} is {@code null}
     */
    public B options(LockOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        return self();
    }

    /**
     * Sets a listener told whenever a lease held through the factory is lost.
     *
     * @param leaseListener the listener
     * @return this builder
     * @throws NullPointerException if {@code leaseListener} is {@code null}
     */
    public B leaseListener(LeaseListener leaseListener) {
        this.leaseListener = Objects.requireNonNull(leaseListener, "leaseListener");
        return self();
    }

    /**
     * The key prefix set, or the default.
     *
     * @return the key prefix
     */
    protected String keyPrefix() {
        return keyPrefix;
    }

    /**
     * The options set, or the defaults.
     *
     * @return the options
     */
    protected LockOptions options() {
        return options;
    }

    /**
     * The lease listener set, or {@code null}.
     *
     * @return the listener
     */
    protected LeaseListener leaseListener() {
        return leaseListener;
    }
}
