package io.distlock.spring.boot;

import io.distlock.LockOptions;
import io.distlock.etcd.EtcdFlavour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code distlock.*} properties of a Spring Boot application: the key prefix and lock options
 * of the auto-configured factory, the etcd back end, and the metrics. The Redis connection comes
 * from the application's {@code spring.data.redis.*} properties (see
 * {@link DistributedLockAutoConfiguration}). An option left unset keeps the library's default.
 *
 * <pre>
 * distlock.key-prefix=orders:
 * distlock.lease-time=30s
 * distlock.fair=true
 * distlock.etcd.endpoints=http://etcd-1:2379,http://etcd-2:2379
 * distlock.etcd.flavour=lock-service
 * distlock.metrics.lock-names=invoice-run,ledger
 * </pre>
 */
@ConfigurationProperties("distlock")
public class DistributedLockProperties {

    private String keyPrefix;
    private Duration leaseTime;
    private Boolean watchdog;
    private Boolean fair;
    private Integer retryCount;
    private Duration retryDelay;
    private Integer maxLocalHandoffs;
    private final Etcd etcd = new Etcd();
    private final Metrics metrics = new Metrics();

    /** Creates the properties, every option unset. */
    public DistributedLockProperties() {
    }

    /**
     * Returns the prefix of every lock's key on the server.
     *
     * @return the prefix, or {@code null} for the back end's default
     */
    public String getKeyPrefix() {
        return keyPrefix;
    }

    /**
     * Sets the prefix of every lock's key on the server ({@code distlock.key-prefix}).
     *
     * @param keyPrefix the prefix, or {@code null} for the back end's default
     */
    public void setKeyPrefix(String keyPrefix) {
        this.keyPrefix = keyPrefix;
    }

    /**
     * Returns the lease time of a held lock.
     *
     * @return the lease time, or {@code null} for the default
     */
    public Duration getLeaseTime() {
        return leaseTime;
    }

    /**
     * Sets the lease time of a held lock ({@code distlock.lease-time}, {@link LockOptions#leaseTime()}).
     *
     * @param leaseTime the lease time, or {@code null} for the default
     */
    public void setLeaseTime(Duration leaseTime) {
        this.leaseTime = leaseTime;
    }

    /**
     * Returns whether held leases are renewed in the background.
     *
     * @return the setting, or {@code null} for the default (renewed)
     */
    public Boolean getWatchdog() {
        return watchdog;
    }

    /**
     * Sets whether held leases are renewed in the background ({@code distlock.watchdog},
     * {@link LockOptions#watchdog()}).
     *
     * @param watchdog the setting, or {@code null} for the default
     */
    public void setWatchdog(Boolean watchdog) {
        this.watchdog = watchdog;
    }

    /**
     * Returns whether the locks are fair (arrival order across JVMs).
     *
     * @return the setting, or {@code null} for the default (not fair)
     */
    public Boolean getFair() {
        return fair;
    }

    /**
     * Sets whether the locks are fair ({@code distlock.fair}, {@link LockOptions#fair()}).
     *
     * @param fair the setting, or {@code null} for the default
     */
    public void setFair(Boolean fair) {
        this.fair = fair;
    }

    /**
     * Returns how many times a failed call to the server is retried.
     *
     * @return the count, or {@code null} for the default
     */
    public Integer getRetryCount() {
        return retryCount;
    }

    /**
     * Sets how many times a failed call to the server is retried ({@code distlock.retry-count},
     * {@link LockOptions#retryCount()}).
     *
     * @param retryCount the count, or {@code null} for the default
     */
    public void setRetryCount(Integer retryCount) {
        this.retryCount = retryCount;
    }

    /**
     * Returns the pause before the first retry.
     *
     * @return the pause, or {@code null} for the default
     */
    public Duration getRetryDelay() {
        return retryDelay;
    }

    /**
     * Sets the pause before the first retry ({@code distlock.retry-delay}, {@link LockOptions#retryDelay()}).
     *
     * @param retryDelay the pause, or {@code null} for the default
     */
    public void setRetryDelay(Duration retryDelay) {
        this.retryDelay = retryDelay;
    }

    /**
     * Returns the most consecutive hand-overs of a lease between threads of this JVM.
     *
     * @return the count, or {@code null} for the default
     */
    public Integer getMaxLocalHandoffs() {
        return maxLocalHandoffs;
    }

    /**
     * Sets the most consecutive hand-overs of a lease between threads of this JVM
     * ({@code distlock.max-local-handoffs}, {@link LockOptions#maxLocalHandoffs()}).
     *
     * @param maxLocalHandoffs the count, or {@code null} for the default
     */
    public void setMaxLocalHandoffs(Integer maxLocalHandoffs) {
        this.maxLocalHandoffs = maxLocalHandoffs;
    }

    /**
     * Returns the etcd settings ({@code distlock.etcd.*}).
     *
     * @return the etcd settings
     */
    public Etcd getEtcd() {
        return etcd;
    }

    /**
     * Returns the metrics settings ({@code distlock.metrics.*}).
     *
     * @return the metrics settings
     */
    public Metrics getMetrics() {
        return metrics;
    }

    /**
     * The lock options these properties set, over the library's defaults.
     *
     * @return the options
     * @throws IllegalArgumentException if a value is out of range (the message names it)
     */
    public LockOptions toLockOptions() {
        LockOptions.Builder b = LockOptions.builder();
        if (leaseTime != null) {
            b.leaseTime(leaseTime);
        }
        if (watchdog != null) {
            b.watchdog(watchdog);
        }
        if (fair != null) {
            b.fair(fair);
        }
        if (retryCount != null) {
            b.retryCount(retryCount);
        }
        if (retryDelay != null) {
            b.retryDelay(retryDelay);
        }
        if (maxLocalHandoffs != null) {
            b.maxLocalHandoffs(maxLocalHandoffs);
        }
        return b.build();
    }

    /** The etcd back end: used instead of Redis when endpoints are set. */
    public static class Etcd {

        private List<String> endpoints = new ArrayList<>();
        private EtcdFlavour flavour;
        private Duration requestTimeout;

        /** Creates the settings, with no endpoints. */
        public Etcd() {
        }

        /**
         * Returns the etcd endpoints.
         *
         * @return the endpoints, empty when etcd is not used
         */
        public List<String> getEndpoints() {
            return endpoints;
        }

        /**
         * Sets the etcd endpoints ({@code distlock.etcd.endpoints}, for example
         * {@code http://etcd-1:2379}); when set (and jetcd is on the class path), the
         * auto-configured factory is an {@code EtcdLockFactory}.
         *
         * @param endpoints the endpoints
         */
        public void setEndpoints(List<String> endpoints) {
            this.endpoints = endpoints == null ? new ArrayList<>() : endpoints;
        }

        /**
         * Returns how the locks use etcd.
         *
         * @return the flavour, or {@code null} for the default
         */
        public EtcdFlavour getFlavour() {
            return flavour;
        }

        /**
         * Sets how the locks use etcd ({@code distlock.etcd.flavour}: {@code transaction} or
         * {@code lock-service}).
         *
         * @param flavour the flavour, or {@code null} for the default
         */
        public void setFlavour(EtcdFlavour flavour) {
            this.flavour = flavour;
        }

        /**
         * Returns the timeout of one request to etcd.
         *
         * @return the timeout, or {@code null} for the default
         */
        public Duration getRequestTimeout() {
            return requestTimeout;
        }

        /**
         * Sets the timeout of one request to etcd ({@code distlock.etcd.request-timeout}).
         *
         * @param requestTimeout the timeout, or {@code null} for the default
         */
        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }
    }

    /** The Micrometer binder of the auto-configured factory ({@code io.distlock.micrometer.LockMetrics}). */
    public static class Metrics {

        private boolean enabled = true;
        private String factoryName = "distlock";
        private List<String> lockNames = new ArrayList<>();
        private boolean percentileHistogram;

        /** Creates the settings: enabled, factory tag {@code distlock}, no lock tag, no histogram. */
        public Metrics() {
        }

        /**
         * Returns whether the factory's meters are published.
         *
         * @return whether they are
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether the factory's meters are published ({@code distlock.metrics.enabled},
         * default {@code true}).
         *
         * @param enabled whether they are
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * Returns the value of the meters' {@code factory} tag.
         *
         * @return the tag value
         */
        public String getFactoryName() {
            return factoryName;
        }

        /**
         * Sets the value of the meters' {@code factory} tag ({@code distlock.metrics.factory-name},
         * default {@code distlock}).
         *
         * @param factoryName the tag value
         */
        public void setFactoryName(String factoryName) {
            this.factoryName = factoryName;
        }

        /**
         * Returns the lock names with a {@code lock} tag of their own.
         *
         * @return the names; empty for no {@code lock} tag
         */
        public List<String> getLockNames() {
            return lockNames;
        }

        /**
         * Sets the lock names with a {@code lock} tag of their own ({@code distlock.metrics.lock-names});
         * the others are tagged {@code (other)}. Empty, the default, adds no {@code lock} tag.
         *
         * @param lockNames the names
         */
        public void setLockNames(List<String> lockNames) {
            this.lockNames = lockNames == null ? new ArrayList<>() : lockNames;
        }

        /**
         * Returns whether the timers publish histogram buckets.
         *
         * @return whether they do
         */
        public boolean isPercentileHistogram() {
            return percentileHistogram;
        }

        /**
         * Sets whether the timers publish histogram buckets ({@code distlock.metrics.percentile-histogram},
         * default {@code false}; {@code management.metrics.distribution.*} can set it too).
         *
         * @param percentileHistogram whether they do
         */
        public void setPercentileHistogram(boolean percentileHistogram) {
            this.percentileHistogram = percentileHistogram;
        }
    }
}
