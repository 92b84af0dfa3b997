package io.distlock;

import java.util.Objects;

/**
 * The settings every lock factory builder shares: key prefix, options and lease listener.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class LockFactoryBuilder<B extends LockFactoryBuilder<B>> {

    /** The name of the lock taken and released by {@link #verifyOnBuild(boolean)}. */
    public static final String PROBE_NAME = "distlock.verify";

    private String keyPrefix;
    private LockOptions options = LockOptions.defaults();
    private LeaseListener leaseListener;
    private boolean verifyOnBuild;

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
     * Makes {@code build()} check, before it returns, that the server can be reached and that the
     * factory may lock under its prefix: it takes and releases one lock (name
     * {@value io.distlock.LockFactoryBuilder#PROBE_NAME}) with the configured retries. If that
     * fails, {@code build()} closes what it created and throws {@link LockBackendException} (marked
     * {@linkplain LockBackendException#isPermanent() permanent} for bad credentials or a missing
     * permission), so a misconfigured application fails at start-up rather than at its first
     * lock. Off by default: {@code build()} then makes no network call.
     *
     * @param verifyOnBuild {@code true} to check access in {@code build()}
     * @return this builder
     */
    public B verifyOnBuild(boolean verifyOnBuild) {
        this.verifyOnBuild = verifyOnBuild;
        return self();
    }

    /**
     * Whether {@code build()} checks access (see {@link #verifyOnBuild(boolean)}).
     *
     * @return {@code true} to check
     */
    protected boolean verifyOnBuild() {
        return verifyOnBuild;
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
