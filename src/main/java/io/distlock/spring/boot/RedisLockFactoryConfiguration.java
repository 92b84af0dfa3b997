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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisLockFactoryConfiguration.class);

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
            if (sentinelMaster != null && clusterNodes.isEmpty() && e.isPermanent()
                    && e.getMessage() != null && e.getMessage().contains("refused the authentication")) {
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
     * {@code spring.data.redis.jedis.pool.*}, with Spring Boot's meaning (a negative max-active or
     * max-idle is no limit). These properties also configure the application's own Redis pool,
     * where Spring Boot accepts values the lock factory cannot use: such a value is left out with
     * a warning that names it, and the factory's default is used (the application still starts):
     * a max-active of 0 or 1 (the release subscription holds a connection), a negative max-wait
     * (Spring Boot's default, a wait without end, which could hold a lease renewal until the lease
     * is lost) or one too long for the lease, a min-idle above max-idle or max-active.
     */
    private static void applyPool(Binder binder, RedisLockFactory.Builder b, DistributedLockProperties properties) {
        String pool = "spring.data.redis.jedis.pool.";
        Integer maxActive = binder.bind(pool + "max-active", Integer.class).orElse(null);
        Integer maxIdle = binder.bind(pool + "max-idle", Integer.class).orElse(null);
        Integer minIdle = binder.bind(pool + "min-idle", Integer.class).orElse(null);
        Duration maxWait = binder.bind(pool + "max-wait", Duration.class).orElse(null);
        if (maxActive != null && !apply(pool + "max-active", maxActive, b::poolMaxTotal)) {
            maxActive = null;
        }
        if (maxIdle != null && !apply(pool + "max-idle", maxIdle, b::poolMaxIdle)) {
            maxIdle = null;
        }
        if (minIdle != null) {
            int idle = maxIdle != null ? maxIdle : 8;   // commons-pool's default max-idle
            int total = maxActive != null ? maxActive : RedisLockFactory.MAX_CALL_THREADS;
            if (idle >= 0 && minIdle > idle || total >= 0 && minIdle > total) {
                skip(pool + "min-idle", minIdle, "it exceeds max-idle (" + idle + ") or max-active (" + total + ")");
            } else {
                apply(pool + "min-idle", minIdle, b::poolMinIdle);
            }
        }
        if (maxWait != null) {
            if (maxWait.isNegative()) {
                skip(pool + "max-wait", maxWait, "a wait without end could hold a lease renewal until the lease is "
                        + "lost; the factory waits one socket timeout");
            } else if (apply(pool + "max-wait", maxWait, b::poolMaxWait)) {
                try {
                    b.checkPool();
                } catch (IllegalStateException e) {
                    b.poolMaxWait(null);
                    skip(pool + "max-wait", maxWait, e.getMessage() + "; the factory waits one socket timeout");
                }
            }
        }
    }

    /** Sets {@code value} of {@code property}; false (with a warning) if the factory refuses it. */
    private static <T> boolean apply(String property, T value, Consumer<T> setter) {
        try {
            setter.accept(value);
            return true;
        } catch (IllegalArgumentException e) {
            skip(property, value, e.getMessage());
            return false;
        }
    }

    private static void skip(String property, Object value, String why) {
        LOG.warn("{}={} is not used by the lock factory ({}); it keeps its default", property, value, why);
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
