package io.distlock.spring.boot;

import io.distlock.DistributedLockFactory;
import io.distlock.LockBackendException;
import io.distlock.redis.RedisLockFactory;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import javax.net.ssl.SSLParameters;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.SslOptions;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * The Redis factory, from {@code spring.data.redis.*}, unless etcd's endpoints are set. The
 * properties mean what they mean to Spring Boot's own Redis connection, with these differences:
 * the factory's client is always pooled ({@code jedis.pool.enabled} is not read: its helper
 * threads, release subscription and the application's threads share connections), a
 * {@code jedis.pool.max-wait} must be a finite wait shorter than the lease, and TLS from an SSL
 * bundle checks the server's host name.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "redis.clients.jedis.UnifiedJedis")
@org.springframework.context.annotation.Conditional(EtcdLockFactoryConfiguration.NoEndpoints.class)
class RedisLockFactoryConfiguration {

    @Bean
    @ConditionalOnMissingBean(DistributedLockFactory.class)
    @SuppressWarnings("deprecation") // DefaultJedisClientConfig.Builder.ssl(boolean), as RedisLockFactory uses it
    RedisLockFactory redisLockFactory(DistributedLockProperties properties, Environment environment,
                                      ObjectProvider<SslBundles> sslBundles) {
        Binder binder = Binder.get(environment);
        String prefix = "spring.data.redis.";
        DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder();
        String host = binder.bind(prefix + "host", String.class).orElse("localhost");
        int port = binder.bind(prefix + "port", Integer.class).orElse(6379);
        String user = binder.bind(prefix + "username", String.class).orElse(null);
        String password = binder.bind(prefix + "password", String.class).orElse(null);
        int database = binder.bind(prefix + "database", Integer.class).orElse(0);
        String bundleName = binder.bind(prefix + "ssl.bundle", String.class).orElse(null);
        if (bundleName != null && bundleName.isEmpty()) {
            bundleName = null;
        }
        // as Spring Boot: TLS when ssl.enabled says so, which it does by default when a bundle is named
        boolean ssl = binder.bind(prefix + "ssl.enabled", Boolean.class).orElse(bundleName != null);
        String url = binder.bind(prefix + "url", String.class).orElse(null);
        if (url != null) {
            URI uri = URI.create(url);
            boolean rediss = "rediss".equals(uri.getScheme());
            if (!rediss && !"redis".equals(uri.getScheme())) {
                throw new IllegalArgumentException("spring.data.redis.url must start with redis:// or rediss://, was "
                        + url);
            }
            ssl |= rediss;
            host = uri.getHost();
            port = uri.getPort() > 0 ? uri.getPort() : 6379;
            if (uri.getUserInfo() != null) {
                String info = uri.getUserInfo();
                int colon = info.indexOf(':');
                if (colon < 0) {
                    password = info;
                } else {
                    user = colon > 0 ? info.substring(0, colon) : null;
                    password = info.substring(colon + 1);
                }
            }
            String path = uri.getPath();
            if (path != null && path.length() > 1) {
                database = Integer.parseInt(path.substring(1));
            }
        }
        if (user != null && !user.isEmpty()) {
            config.user(user);
        }
        if (password != null && !password.isEmpty()) {
            config.password(password);
        }
        config.database(database).ssl(ssl);
        if (ssl && bundleName != null) {
            applyBundle(config, bundle(bundleName, sslBundles));
        }
        binder.bind(prefix + "timeout", Duration.class)
                .ifBound(d -> config.socketTimeoutMillis(Math.toIntExact(d.toMillis())));
        binder.bind(prefix + "connect-timeout", Duration.class)
                .ifBound(d -> config.connectionTimeoutMillis(Math.toIntExact(d.toMillis())));
        binder.bind(prefix + "client-name", String.class).ifBound(config::clientName);

        JedisClientConfig clientConfig = config.build();
        RedisLockFactory.Builder b = RedisLockFactory.builder().clientConfig(clientConfig)
                .options(properties.toLockOptions());
        applyPool(binder, b, properties);
        List<String> clusterNodes = binder.bind(prefix + "cluster.nodes", Bindable.listOf(String.class))
                .orElse(List.of());
        String sentinelMaster = binder.bind(prefix + "sentinel.master", String.class).orElse(null);
        if (!clusterNodes.isEmpty()) {
            b.clusterNodes(hostsAndPorts(clusterNodes));
        } else if (sentinelMaster != null) {
            b.sentinel(sentinelMaster, hostsAndPorts(binder.bind(prefix + "sentinel.nodes",
                    Bindable.listOf(String.class)).orElse(List.of())));
            String sentinelUser = binder.bind(prefix + "sentinel.username", String.class).orElse(null);
            String sentinelPassword = binder.bind(prefix + "sentinel.password", String.class).orElse(null);
            if (hasText(sentinelUser) || hasText(sentinelPassword)) {
                b.sentinelClientConfig(sentinelConfig(clientConfig, sentinelUser, sentinelPassword));
            }
        } else {
            b.hostAndPort(host, port);
        }
        if (properties.getKeyPrefix() != null) {
            b.keyPrefix(properties.getKeyPrefix());
        }
        try {
            return b.build();
        } catch (LockBackendException e) {
            if (sentinelMaster != null && clusterNodes.isEmpty() && e.isPermanent()) {
                throw new LockBackendException(e.getMessage() + " (the sentinels' own credentials are "
                        + "spring.data.redis.sentinel.username and spring.data.redis.sentinel.password)", e, true);
            }
            throw e;
        }
    }

    /**
     * The connections to the sentinels: the client's timeouts and TLS settings, with the
     * sentinels' own credentials.
     */
    @SuppressWarnings("deprecation") // DefaultJedisClientConfig.Builder.ssl(boolean), as above
    private static JedisClientConfig sentinelConfig(JedisClientConfig client, String user, String password) {
        DefaultJedisClientConfig.Builder sentinel = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(client.getConnectionTimeoutMillis())
                .socketTimeoutMillis(client.getSocketTimeoutMillis())
                .ssl(client.isSsl())
                .sslSocketFactory(client.getSslSocketFactory())
                .sslParameters(client.getSslParameters())
                .hostnameVerifier(client.getHostnameVerifier());
        if (hasText(user)) {
            sentinel.user(user);
        }
        if (hasText(password)) {
            sentinel.password(password);
        }
        return sentinel.build();
    }

    /**
     * {@code spring.data.redis.jedis.pool.*}: Spring Boot's meaning (a negative max-active or
     * max-idle is no limit), except that max-wait must be a finite wait shorter than the lease.
     */
    private static void applyPool(Binder binder, RedisLockFactory.Builder b, DistributedLockProperties properties) {
        String pool = "spring.data.redis.jedis.pool.";
        Integer maxActive = binder.bind(pool + "max-active", Integer.class).orElse(null);
        Integer maxIdle = binder.bind(pool + "max-idle", Integer.class).orElse(null);
        Integer minIdle = binder.bind(pool + "min-idle", Integer.class).orElse(null);
        Duration maxWait = binder.bind(pool + "max-wait", Duration.class).orElse(null);
        if (maxActive != null) {
            apply(pool + "max-active", maxActive, b::poolMaxTotal);
        }
        if (maxIdle != null) {
            apply(pool + "max-idle", maxIdle, b::poolMaxIdle);
        }
        if (minIdle != null) {
            apply(pool + "min-idle", minIdle, b::poolMinIdle);
            if (maxIdle != null && maxIdle >= 0 && minIdle > maxIdle) {
                throw new IllegalArgumentException(pool + "min-idle (" + minIdle + ") must not exceed " + pool
                        + "max-idle (" + maxIdle + ")");
            }
            int total = maxActive != null ? maxActive : RedisLockFactory.MAX_CALL_THREADS;
            if (total >= 0 && minIdle > total) {
                throw new IllegalArgumentException(pool + "min-idle (" + minIdle + ") must not exceed " + pool
                        + "max-active (" + total + (maxActive == null ? ", the factory's default" : "") + ")");
            }
        }
        if (maxWait != null) {
            if (maxWait.isNegative()) {
                throw new IllegalArgumentException(pool + "max-wait must not be negative for the lock factory, "
                        + "was " + maxWait + ": a call waiting for a connection without end could hold a lease "
                        + "renewal until the lease is lost (leave it unset for one socket timeout)");
            }
            Duration lease = properties.toLockOptions().leaseTime();
            if (maxWait.compareTo(lease) >= 0) {
                throw new IllegalArgumentException(pool + "max-wait (" + maxWait + ") must be shorter than the "
                        + "lease time (distlock.lease-time, " + lease + "): a renewal waiting that long for a "
                        + "connection would lose its lease");
            }
            apply(pool + "max-wait", maxWait, b::poolMaxWait);
        }
    }

    private static <T> void apply(String property, T value, Consumer<T> setter) {
        try {
            setter.accept(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + " is " + value + ": " + e.getMessage(), e);
        }
    }

    /** The SSL bundle {@code spring.data.redis.ssl.bundle} names, or a failure that names it. */
    private static SslBundle bundle(String name, ObjectProvider<SslBundles> sslBundles) {
        SslBundles bundles = sslBundles.getIfAvailable();
        if (bundles == null) {
            throw new IllegalStateException("spring.data.redis.ssl.bundle names the SSL bundle '" + name
                    + "', but the application context has no SslBundles (Spring Boot's SslAutoConfiguration "
                    + "makes them from spring.ssl.bundle.*)");
        }
        try {
            return bundles.getBundle(name);
        } catch (NoSuchSslBundleException e) {
            throw new IllegalStateException("spring.data.redis.ssl.bundle names the SSL bundle '" + name
                    + "', which is not defined (spring.ssl.bundle.pem." + name + ".* or spring.ssl.bundle.jks."
                    + name + ".*)", e);
        }
    }

    /**
     * TLS from the bundle: its SSL context (trust material, and the key for a client certificate),
     * its enabled protocols and cipher suites, and a check of the server's host name (as Jedis
     * makes when it is given no SSL parameters of its own).
     */
    private static void applyBundle(DefaultJedisClientConfig.Builder config, SslBundle bundle) {
        SSLParameters parameters = new SSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        SslOptions options = bundle.getOptions();
        if (options.getCiphers() != null) {
            parameters.setCipherSuites(options.getCiphers());
        }
        if (options.getEnabledProtocols() != null) {
            parameters.setProtocols(options.getEnabledProtocols());
        }
        config.sslSocketFactory(bundle.createSslContext().getSocketFactory()).sslParameters(parameters);
    }

    private static boolean hasText(String s) {
        return s != null && !s.isEmpty();
    }

    private static Set<HostAndPort> hostsAndPorts(List<String> nodes) {
        Set<HostAndPort> all = new HashSet<>();
        for (String node : nodes) {
            all.add(HostAndPort.from(node.trim()));
        }
        return all;
    }
}
