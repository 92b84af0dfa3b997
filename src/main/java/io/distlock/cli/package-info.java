/**
 * The operators' command line, {@code distlock} ({@link io.distlock.cli.DistlockCli}): lists the
 * locks held under a prefix, inspects one (holder, since when, fencing token, lease left,
 * waiters) and force-releases one whose holder is gone, over the same factories the library
 * uses, on Redis and etcd. Runs as {@code java -jar target/distlock-cli.jar}; see the README's "Operating" section.
 */
package io.distlock.cli;
