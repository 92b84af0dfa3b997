/**
 * The lock engine: not an API. Its types are public only so that the back-end packages of this
 * library can use them; they may change in any release.
 */
package io.distlock.internal;
