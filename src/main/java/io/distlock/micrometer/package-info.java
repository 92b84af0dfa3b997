/**
 * Micrometer metrics for lock factories: {@link io.distlock.micrometer.LockMetrics} publishes
 * one factory's acquisition times, contended and failed acquisitions, local hand-overs,
 * renewals, lost leases and server errors, with gauges of the leases held and of the local
 * registry, to a {@link io.micrometer.core.instrument.MeterRegistry}.
 *
 * <p>The meters are fed by a {@link io.distlock.LockObserver} registered on the factory. Micrometer
 * ({@code io.micrometer:micrometer-core}) is an optional dependency of the library: only an
 * application that uses this package needs it on its class path.
 */
package io.distlock.micrometer;
