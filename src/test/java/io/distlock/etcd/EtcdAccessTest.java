package io.distlock.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.DistributedLock;
import io.distlock.DistributedReadWriteLock;
import io.distlock.LockBackendException;
import io.distlock.testing.EtcdServers;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.auth.Permission;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Authentication on a real etcd: a user whose role may read and write the lock prefix (the
 * permission documented in {@link EtcdLockFactory}) can use every flavour; a wrong password and a
 * prefix outside the role fail at once with a permanent error that says what to fix.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EtcdAccessTest {

    @RegisterExtension
    static final EtcdServers etcd = EtcdServers.single();

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @BeforeAll
    static void enableAuthentication() throws Exception {
        try (Client admin = EtcdTestSupport.client(etcd.get())) {
            var auth = admin.getAuthClient();
            auth.roleAdd(bytes("root")).get(10, TimeUnit.SECONDS);
            auth.userAdd(bytes("root"), bytes("rootpw")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("root"), bytes("root")).get(10, TimeUnit.SECONDS);
            auth.roleAdd(bytes("locker")).get(10, TimeUnit.SECONDS);
            auth.roleGrantPermission(bytes("locker"), bytes("locks/"), bytes("locks0"), Permission.Type.READWRITE)
                    .get(10, TimeUnit.SECONDS);
            auth.userAdd(bytes("locker"), bytes("s3cret")).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(bytes("locker"), bytes("locker")).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
    }

    private EtcdLockFactory.Builder builder(String user, String password, String prefix, EtcdFlavour flavour) {
        return EtcdLockFactory.builder()
                .clientBuilder(Client.builder().endpoints(etcd.get().endpoints().toArray(String[]::new))
                        .user(bytes(user)).password(bytes(password)))
                .keyPrefix(prefix)
                .flavour(flavour)
                .requestTimeout(Duration.ofSeconds(2));
    }

    private long keysUnder(String prefix) throws Exception {
        try (Client root = Client.builder().endpoints(etcd.get().endpoints().toArray(String[]::new))
                .user(bytes("root")).password(bytes("rootpw")).build()) {
            return root.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(10, TimeUnit.SECONDS).getCount();
        }
    }

    @Test
    void aUserWhoseRoleCoversThePrefixCanUseEveryFlavour() throws Exception {
        for (EtcdFlavour flavour : EtcdFlavour.values()) {
            try (EtcdLockFactory a = builder("locker", "s3cret", "locks/", flavour).verifyOnBuild(true).build();
                 EtcdLockFactory b = builder("locker", "s3cret", "locks/", flavour).build()) {
                DistributedLock held = a.getLock("auth");
                held.lock();
                // returns once the waiter waits for the lock
                CompletableFuture<Boolean> waiter = io.distlock.testing.Waiter.takeAndReleaseOnceWaiting(b.getLock("auth"), 20);
                held.unlock();
                assertThat(waiter.get(30, TimeUnit.SECONDS)).as(flavour + ": a waiter got the lock").isTrue();
                DistributedReadWriteLock rw = a.getReadWriteLock("auth-rw");
                rw.writeLock().lock();
                rw.readLock().lock();
                rw.writeLock().unlock();
                rw.readLock().unlock();
            }
        }
        assertThat(keysUnder("locks/")).isZero();
    }

    @Test
    void aWrongPasswordFailsAtOnceWithAPermanentError() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> builder("locker", "wrong", "locks/", EtcdFlavour.TRANSACTION).verifyOnBuild(true).build())
                .isInstanceOf(LockBackendException.class)
                .hasMessageContaining("could not verify access to etcd at")
                .hasMessageContaining("check the user and password")
                .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("no retries").isLessThan(3_000);
    }

    @Test
    void aPrefixOutsideTheRoleFailsAtOnceAndLeavesNothing() throws Exception {
        for (EtcdFlavour flavour : EtcdFlavour.values()) {
            long start = System.nanoTime();
            try (EtcdLockFactory f = builder("locker", "s3cret", "elsewhere/", flavour).build()) {
                assertThatThrownBy(() -> f.getLock("denied").lock())
                        .isInstanceOf(LockBackendException.class)
                        .hasMessageContaining("permission")
                        .matches(e -> ((LockBackendException) e).isPermanent(), "is permanent");
                assertThatThrownBy(() -> f.getReadWriteLock("denied").writeLock().tryLock())
                        .isInstanceOf(LockBackendException.class).hasMessageContaining("permission");
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as(flavour + ": no retries")
                    .isLessThan(5_000);
        }
        assertThat(keysUnder("elsewhere/")).isZero();
    }
}
