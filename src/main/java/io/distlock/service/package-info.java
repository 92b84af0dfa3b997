/**
 * The service layer: {@link io.distlock.service.LockService} runs code under a lock of one back
 * end (always releasing it), renews, inspects; {@link io.distlock.service.LockManager} routes the
 * same calls to several named services.
 */
package io.distlock.service;
