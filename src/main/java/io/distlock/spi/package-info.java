/**
 * The narrow service-provider interface between the lock engine and a back end.
 *
 * <p>A back end only knows how to create, delete, renew and inspect one lease on the server and
 * how to announce that a lease was released. Everything a {@link java.util.concurrent.locks.Lock}
 * user sees (reentrancy, local queueing, deadlines, interrupts, retries, renewal scheduling,
 * lease-loss reporting) is written once in the engine on top of this interface.
 */
package io.distlock.spi;
