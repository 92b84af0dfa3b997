package consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.distlock.it.ServerProcess;
import io.distlock.redis.RedisLockFactory;
import io.distlock.spring.DistributedLockRegistry;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.ResolvableType;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.integration.redis.util.RedisLockRegistry;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * The application of {@code src/main/java/consumer}, typed the Spring Integration 7 way, run
 * unchanged twice against one Redis: once on Spring's {@code RedisLockRegistry} over Lettuce, once
 * on the library's {@code DistributedLockRegistry} over a {@code RedisLockFactory}. Each node is
 * its own application context, defining its beans as the application's configuration would, and
 * the application's {@link InvoiceJobs} bean gets its registry by the type it declares,
 * {@code RenewableLockRegistry<DistributedLock>}, as autowiring would. Both runs must observe the
 * same: every number issued exactly once, the second node's brief {@code tryLock} refused while
 * the first holds the lock through renewals, and given once it is free.
 */
class SpringApplicationTest {

    private static final int THREADS_PER_NODE = 3;
    private static final int PER_THREAD = 12;
    private static final int TOTAL = 2 * THREADS_PER_NODE * PER_THREAD;

    /** The same for every correct registry: the numbers 1 to TOTAL, each once, a third each way. */
    private static final String EXPECTED = "issued=" + TOTAL + " each-of-1-to-total-once=true byLock=" + TOTAL / 3
            + " byTryLock=" + TOTAL / 3 + " byExecuteLocked=" + TOTAL / 3 + " lastInLedger=" + TOTAL
            + " renewals=" + InvoiceDay.CLOSE_STEPS + " secondNodeTryLockDuringClose=[false, false, false]"
            + " freeAfterClose=true";

    private static final ResolvableType REGISTRY_TYPE =
            ResolvableType.forClassWithGenerics(RenewableLockRegistry.class, DistributedLock.class);

    private static ServerProcess server;
    private static int port;

    @BeforeAll
    static void startRedis() throws Exception {
        server = ServerProcess.redis();
        port = server.port();
    }

    @AfterAll
    static void stopRedis() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theApplicationRunsOnSpringsRedisLockRegistry() throws Exception {
        runTheDay(RedisLockRegistry.class, ctx -> {
            ctx.registerBean("redisConnectionFactory", LettuceConnectionFactory.class,
                    () -> new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", port)));
            ctx.registerBean("lockRegistry", RedisLockRegistry.class,
                    () -> new RedisLockRegistry(ctx.getBean(LettuceConnectionFactory.class), "spring-invoices"));
        });
    }

    @Test
    void theApplicationRunsOnTheLibrarysDistributedLockRegistry() throws Exception {
        runTheDay(DistributedLockRegistry.class, ctx -> {
            ctx.registerBean("lockFactory", RedisLockFactory.class,
                    () -> RedisLockFactory.builder().hostAndPort("127.0.0.1", port).keyPrefix("distlock-invoices:")
                            .build(),
                    bd -> bd.setDestroyMethodName("close"));
            ctx.registerBean("lockRegistry", DistributedLockRegistry.class,
                    () -> new DistributedLockRegistry(ctx.getBean(RedisLockFactory.class)));
        });
    }

    /**
     * Starts two nodes whose lock beans {@code lockBeans} defines, runs {@link InvoiceDay} on
     * them, checks what it observed and prints a summary line.
     */
    private static void runTheDay(Class<?> registryClass, Consumer<GenericApplicationContext> lockBeans)
            throws Exception {
        InvoiceLedger ledger = new InvoiceLedger(); // the store both nodes share
        try (GenericApplicationContext first = node("node-a", ledger, lockBeans);
                GenericApplicationContext second = node("node-b", ledger, lockBeans)) {
            for (GenericApplicationContext ctx : List.of(first, second)) {
                assertInstanceOf(registryClass, ctx.getBeanProvider(REGISTRY_TYPE).getObject());
            }
            InvoiceDay.Report report = InvoiceDay.run(first.getBean(InvoiceJobs.class), second.getBean(InvoiceJobs.class),
                    ledger, THREADS_PER_NODE, PER_THREAD);

            assertEquals(EXPECTED, report.observed());
            System.out.printf("spring-consumer on %s: %d invoices numbered 1..%d by 2 nodes x %d threads"
                    + " (lock(ttl) %d, tryLock(wait, ttl) %d, executeLocked %d), renewLock x%d while held,"
                    + " busy tryLock(100 ms) %s, %d ms%n", registryClass.getName(), report.issued().size(),
                    report.lastInLedger(), THREADS_PER_NODE, report.byLock(), report.byTryLock(),
                    report.byExecuteLocked(), report.renewals(), report.tryLockDuringClose(),
                    report.elapsed().toMillis());
        }
    }

    /** One node: an application context with the lock beans and the application's own. */
    private static GenericApplicationContext node(String name, InvoiceLedger ledger,
            Consumer<GenericApplicationContext> lockBeans) {
        GenericApplicationContext ctx = new GenericApplicationContext();
        lockBeans.accept(ctx);
        ctx.registerBean(InvoiceLedger.class, () -> ledger);
        ctx.registerBean(InvoiceJobs.class, () -> new InvoiceJobs(name,
                ctx.<RenewableLockRegistry<DistributedLock>>getBeanProvider(REGISTRY_TYPE).getObject(),
                ctx.getBean(InvoiceLedger.class)));
        ctx.refresh();
        return ctx;
    }
}
