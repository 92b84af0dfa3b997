package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.distlock.internal.Threads;
import io.distlock.spi.RequestAbandonedException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/** Waiting on jetcd's futures with a bound, and turning their failures into the SPI's exception. */
final class EtcdCalls {

    private EtcdCalls() {
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /**
     * The key (or key range) of lock {@code name} of one kind under {@code prefix}:
     * {@code prefix + kind + "/" + length + ":" + name}. The kind keeps the flavours apart, and the
     * length makes names prefix-free: no name's key is a prefix of another name's, so the key
     * range of one lock (its queue, say) never holds the keys of another, whatever the names
     * (names that are prefixes of each other, names with slashes). Lock names are valid Unicode
     * (checked by the engine), so their UTF-8 encoding is one-to-one.
     */
    static String lockKey(String prefix, String kind, String name) {
        return prefix + kind + "/" + name.length() + ":" + name;
    }

    /** The deadline (nanoTime) of a call that may take {@code timeout}, or less if {@code budgetNanos} is less. */
    static long deadline(Duration timeout, long budgetNanos) {
        return System.nanoTime() + Math.min(timeout.toNanos(), Math.max(budgetNanos, 0L));
    }

    /**
     * Waits for a call at most {@code timeout}. An interrupt does not abandon the call (the
     * engine owns interrupts); it is kept for the caller.
     */
    static <T> T await(CompletableFuture<T> call, Duration timeout, String what, String where) {
        return await(call, System.nanoTime() + timeout.toNanos(), what, where);
    }

    /**
     * Waits for a call until {@code deadline} (nanoTime); after it the call is abandoned
     * ({@link RequestAbandonedException}: the outcome is unknown and the request may still be
     * applied). An interrupt does not abandon the call; it is kept for the caller.
     */
    static <T> T await(CompletableFuture<T> call, long deadline, String what, String where) {
        long start = System.nanoTime();
        try {
            T answer = Threads.getUninterruptibly(call, deadline);
            ATTEMPT_REACHED_SERVER.get()[0] = true;
            return answer;
        } catch (ExecutionException e) {
            LockBackendException failure = failure(where + ": " + what + " failed", e.getCause() != null ? e.getCause() : e);
            if (!(failure instanceof io.distlock.spi.RequestNotSentException)) {
                ATTEMPT_REACHED_SERVER.get()[0] = true;
            }
            throw failure;
        } catch (TimeoutException e) {
            ATTEMPT_REACHED_SERVER.get()[0] = true;
            // the request goes on (cancelling the future would not stop it): whoever cleans up
            // after it waits for its end
            throw new RequestAbandonedException(where + ": " + what + " got no answer within "
                    + Duration.ofNanos(Math.max(deadline - start, 0L)).toMillis() + " ms", e, call);
        }
    }

    /**
     * Whether a call of the current acquisition attempt (on this thread, since
     * {@link #beginAttempt()}) may have reached a server: it was answered, failed otherwise than
     * for want of a connection, or went unanswered. An attempt can make several calls (a queue
     * entry, then taking the lock from the queue), and only an attempt none of whose calls
     * reached a server certainly wrote nothing.
     */
    private static final ThreadLocal<boolean[]> ATTEMPT_REACHED_SERVER = ThreadLocal.withInitial(() -> new boolean[1]);

    /**
     * Starts an acquisition attempt on this thread: until one of its calls may have reached a
     * server, a call that fails for want of a connection throws RequestNotSentException. Every
     * back end's tryAcquire calls it first; a path that does not only ever gets plain failures
     * (the attempt counts as sent), never a wrong RequestNotSentException.
     */
    static void beginAttempt() {
        ATTEMPT_REACHED_SERVER.get()[0] = false;
    }

    /** Says that a request of the current attempt may have reached a server (sent by an earlier one). */
    static void attemptReachedServer() {
        ATTEMPT_REACHED_SERVER.get()[0] = true;
    }

    /**
     * The SPI's exception for a failed call: permanent when retrying cannot help;
     * RequestNotSentException when no connection could be made for it (gRPC fails a call with
     * UNAVAILABLE caused by a refused connection only when it had no transport to send it on)
     * and no earlier call of the same acquisition attempt may have reached a server.
     */
    static LockBackendException failure(String context, Throwable cause) {
        String fix = permanentCause(cause);
        if (fix != null) {
            return new LockBackendException(context + ": " + describe(cause) + " (" + fix + ")", cause, true);
        }
        if (connectionRefused(cause) && !ATTEMPT_REACHED_SERVER.get()[0]) {
            return new io.distlock.spi.RequestNotSentException(context + ": " + describe(cause), cause);
        }
        return new LockBackendException(context + ": " + describe(cause), cause);
    }

    /** Whether {@code e} is UNAVAILABLE because a connection was refused. */
    private static boolean connectionRefused(Throwable e) {
        boolean unavailable = false;
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof StatusRuntimeException) {
                unavailable |= ((StatusRuntimeException) t).getStatus().getCode() == Status.Code.UNAVAILABLE;
            } else if (t instanceof StatusException) {
                unavailable |= ((StatusException) t).getStatus().getCode() == Status.Code.UNAVAILABLE;
            } else if (t instanceof EtcdException) {
                unavailable |= ((EtcdException) t).getErrorCode().name().equals("UNAVAILABLE");
            }
            if (unavailable && t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The message of {@code cause} and, when it does not say it already, that of its root cause:
     * gRPC says only "UNAVAILABLE: io exception" where the root cause says "Connection refused".
     */
    private static String describe(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String rootMessage = root.getMessage();
        return root == cause || rootMessage == null || message.contains(rootMessage)
                ? message : message + " (" + rootMessage + ")";
    }

    /**
     * What to fix if {@code e} (or a cause of it) is a refusal that lasts: bad credentials, a
     * missing permission, a request the server does not implement; {@code null} otherwise.
     */
    static String permanentCause(Throwable e) {
        String tls = io.distlock.internal.TlsFailures.permanentCause(e);
        if (tls != null) {
            return tls;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            Status.Code code = null;
            if (t instanceof EtcdException) {
                code = Status.Code.valueOf(((EtcdException) t).getErrorCode().name());
            } else if (t instanceof StatusRuntimeException) {
                code = ((StatusRuntimeException) t).getStatus().getCode();
            } else if (t instanceof StatusException) {
                code = ((StatusException) t).getStatus().getCode();
            }
            if (code == null) {
                continue;
            }
            String m = String.valueOf(t.getMessage());
            switch (code) {
                case PERMISSION_DENIED:
                    return "the etcd user lacks a permission: grant its role read and write on the key prefix "
                            + "(see EtcdLockFactory's documentation)";
                case UNAUTHENTICATED:
                    return m.contains("invalid auth token") ? null
                            : "etcd refused the credentials: check the user and password";
                case INVALID_ARGUMENT:
                    return m.contains("authentication failed") || m.contains("user name")
                            ? "etcd refused the credentials: check the user and password"
                            : "etcd rejected the request as invalid";
                case UNIMPLEMENTED:
                    return "the etcd server does not offer this service: etcd 3.4 or later is needed";
                default:
                    return null;
            }
        }
        return null;
    }
}
