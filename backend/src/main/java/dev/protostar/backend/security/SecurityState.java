package dev.protostar.backend.security;

import dev.protostar.backend.tier.Tier;

/**
 * What a user's access tokens may do now, whatever they say: checked on every
 * authenticated request (see SecurityStates).
 *
 * @param tier the user's tier now; the requests of every token are authorised
 * at it
 * @param version the user's security version, raised by every change of the
 * tier or the sessions; orders the copies of this state
 * @param tokensValidFrom access tokens issued at an older security version
 * (claim {@code sv}) are revoked
 */
public record SecurityState(Tier tier, long version, long tokensValidFrom) {
}
