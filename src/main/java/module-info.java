/**
 * Distributed {@link java.util.concurrent.locks.Lock}s over Redis and etcd.
 *
 * <p>Exports the API ({@code io.distlock}), the two back ends ({@code io.distlock.redis},
 * {@code io.distlock.etcd}), the service layer ({@code io.distlock.service}), the back-end SPI
 * ({@code io.distlock.spi}), the Micrometer binder ({@code io.distlock.micrometer}), the
 * Spring Integration lock registry ({@code io.distlock.spring}) and the Spring Boot
 * auto-configuration ({@code io.distlock.spring.boot}); the engine ({@code io.distlock.internal})
 * and the operators' command line ({@code io.distlock.cli}, run from
 * {@code target/distlock-cli.jar}) are not exported. The Redis and etcd clients, Micrometer,
 * Spring Integration and Spring Boot are optional ({@code requires static}): an application
 * requires the client of the back end it uses, and Micrometer, Spring Integration or Spring Boot
 * only to use their packages.
 * jetcd has no module descriptor, so its module names are derived from its jar names
 * ({@code jetcd.core}, {@code jetcd.common}); gRPC's {@code io.grpc} is named by its manifest.
 */
@SuppressWarnings({"requires-automatic", "module"})
module io.distlock {
    requires com.github.benmanes.caffeine;
    requires org.slf4j;

    requires static redis.clients.jedis;
    requires static jetcd.core;
    requires static jetcd.common;
    requires static io.grpc;
    requires static micrometer.core;
    requires static spring.integration.core;
    requires static info.picocli;
    requires static spring.core;
    requires static spring.beans;
    requires static spring.context;
    requires static spring.boot;
    requires static spring.boot.autoconfigure;
    requires static spring.boot.health;

    exports io.distlock;
    exports io.distlock.redis;
    exports io.distlock.etcd;
    exports io.distlock.service;
    exports io.distlock.spi;
    exports io.distlock.micrometer;
    exports io.distlock.spring;
    // the command line is an application, not API: not exported, opened to picocli, which reads
    // its annotations and sets its fields by reflection
    opens io.distlock.cli to info.picocli;
    exports io.distlock.spring.boot;
    // Spring instantiates the package-private configuration classes of the auto-configuration
    opens io.distlock.spring.boot to spring.core, spring.beans, spring.context;
}
