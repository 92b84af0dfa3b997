package io.distlock.etcd;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes a call fail at once, instead of waiting its whole request timeout, while every etcd
 * endpoint refuses connections (nothing listens on the port): the factory's clients keep jetcd's
 * {@code waitForReady(true)}, which is what rides out a restart of a few seconds (gRPC reconnects
 * with a growing backoff that the retry pauses alone would not cover), but which also makes an
 * attempt on a server that is simply not there wait for a connection until it times out.
 *
 * <pre>
 * A unary call is sent without waitForReady, so that gRPC fails it with the channel's last
 * connection error (UNAVAILABLE: Connection refused) when the channel has none, only when a
 * TCP connect to every endpoint is refused right now. That probe runs only while the channel is
 * suspect: before the first answer, after a call closed UNAVAILABLE, or while a call has been
 * waiting for an answer for more than SUSPECT_AFTER; a healthy channel is never probed. Its
 * result is kept for PROBE_VALID (one caller probes at a time; the others take the last result),
 * and each connect waits at most PROBE_TIMEOUT: a server that
 * accepts the connection (a frozen one does: the kernel accepts for it), or does not answer the
 * connect in time, counts as there, and the call waits for it as before. Streaming calls
 * (watches, lease keep-alives) are left alone: jetcd re-establishes them itself; so is the lock
 * service's Lock call as far as suspicion goes, since it stays unanswered while the lock is busy.
 *
 * Fields are written by whichever thread starts or ends a call; each is independent, and a
 * stale read only costs one probe more or one call waiting as it would have without this class.
 * </pre>
 */
final class RefusedConnections implements ClientInterceptor {

    static final long SUSPECT_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long PROBE_VALID_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final int PROBE_TIMEOUT_MILLIS = 100;
    /** etcd's lock service call, which stays unanswered while the lock is busy. */
    static final String LONG_WAIT_METHOD = "v3lockpb.Lock/Lock";

    private final List<InetSocketAddress> endpoints;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** nanoTime of the last answer from a server; 0 before the first. */
    private volatile long lastAnswer;
    /** Whether a call closed UNAVAILABLE since the last answer. */
    private volatile boolean unavailableSeen;
    private volatile long probedAt;
    private volatile boolean allRefused;
    /** Taken by the one caller that probes; the others use the last result meanwhile. */
    private final java.util.concurrent.atomic.AtomicBoolean probing = new java.util.concurrent.atomic.AtomicBoolean();

    private RefusedConnections(List<InetSocketAddress> endpoints) {
        this.endpoints = endpoints;
    }

    /**
     * The interceptor for jetcd's target {@code ip:///host:port,host:port} (what
     * {@code ClientBuilder.endpoints} makes), or {@code null} for a target it cannot probe (a
     * name resolved by another scheme).
     */
    static RefusedConnections forTarget(String target) {
        if (target == null || !target.startsWith("ip:///")) {
            return null;
        }
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String hostPort : target.substring("ip:///".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                // resolved at each probe, so that building the client never waits for a name server
                addresses.add(InetSocketAddress.createUnresolved(host, Integer.parseInt(hostPort.substring(colon + 1))));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return addresses.isEmpty() ? null : new RefusedConnections(List.copyOf(addresses));
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
            return next.newCall(method, callOptions);
        }
        CallOptions options = callOptions.isWaitForReady() && suspect() && everyEndpointRefuses()
                ? callOptions.withoutWaitForReady() : callOptions;
        // the lock service's Lock call is answered only when the lock is granted: its wait says
        // nothing of the channel
        boolean counted = !LONG_WAIT_METHOD.equals(method.getFullMethodName());
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                if (!counted) {
                    super.start(listener, headers);
                    return;
                }
                inFlight.incrementAndGet();
                boolean started = false;
                try {
                    startCounted(listener, headers);
                    started = true;
                } finally {
                    if (!started) {
                        inFlight.decrementAndGet();
                    }
                }
            }

            private void startCounted(Listener<R> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        inFlight.decrementAndGet();
                        if (status.getCode() == Status.Code.UNAVAILABLE) {
                            unavailableSeen = true;
                        } else if (status.getCode() != Status.Code.DEADLINE_EXCEEDED
                                && status.getCode() != Status.Code.CANCELLED) {
                            // the server answered (a success or a refusal of its own)
                            unavailableSeen = false;
                            lastAnswer = System.nanoTime();
                        }
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }

    /** Whether the channel may have no server: see the class comment. */
    private boolean suspect() {
        long last = lastAnswer;
        return last == 0 || unavailableSeen
                || (inFlight.get() > 0 && System.nanoTime() - last > SUSPECT_AFTER_NANOS);
    }

    private boolean everyEndpointRefuses() {
        long now = System.nanoTime();
        if ((probedAt != 0 && now - probedAt < PROBE_VALID_NANOS) || !probing.compareAndSet(false, true)) {
            return allRefused;
        }
        try {
            boolean refused = true;
            for (InetSocketAddress endpoint : endpoints) {
                if (!refuses(endpoint)) {
                    refused = false;
                    break;
                }
            }
            allRefused = refused;
            probedAt = System.nanoTime();
            return refused;
        } finally {
            probing.set(false);
        }
    }

    /** Whether a TCP connect to {@code endpoint} is refused now (anything else counts as there). */
    private static boolean refuses(InetSocketAddress endpoint) {
        InetSocketAddress resolved = new InetSocketAddress(endpoint.getHostString(), endpoint.getPort());
        if (resolved.isUnresolved()) {
            return false;
        }
        try (Socket probe = new Socket()) {
            probe.connect(resolved, PROBE_TIMEOUT_MILLIS);
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (IOException | RuntimeException unknown) {
            return false;
        }
    }
}
