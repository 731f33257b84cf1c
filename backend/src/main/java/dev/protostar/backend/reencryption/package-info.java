/**
 * Re-encryption of stored conversation data with the active data key, in the background:
 * what a key rotation leaves written with the older key, and plaintext from before
 * encryption was turned on. Once no value uses a key, {@code protostar keys retire} can
 * take it out of every application.
 */
package dev.protostar.backend.reencryption;
