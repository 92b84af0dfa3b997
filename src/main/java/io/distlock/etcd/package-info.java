/**
 * The etcd back end: {@link io.distlock.etcd.EtcdLockFactory} makes
 * {@link io.distlock.etcd.EtcdLock}s and {@link io.distlock.etcd.EtcdReadWriteLock}s over a jetcd
 * client, in one of two {@linkplain io.distlock.etcd.EtcdFlavour flavours}: transactions with one
 * shared session lease, or etcd's own lock service (first come, first served). Fencing tokens are
 * etcd revisions. jetcd ({@code io.etcd:jetcd-core}) is an optional dependency of the library: an
 * application using this package declares it.
 */
package io.distlock.etcd;
