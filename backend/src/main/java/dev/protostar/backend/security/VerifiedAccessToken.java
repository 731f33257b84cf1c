package dev.protostar.backend.security;

import java.util.UUID;

import dev.protostar.backend.tier.Tier;

/**
 * What a valid access token says. Believed only after the user's current
 * state agrees (see BearerTokenFilter).
 *
 * @param userId the user
 * @param tier the tier at issue; for clients, the backend uses the current one
 * @param securityVersion the user's security version at issue (0 for tokens of
 * the release before it existed)
 * @param sessionId the session it was issued to, or null for tokens of the
 * release before sessions were named
 */
record VerifiedAccessToken(UUID userId, Tier tier, long securityVersion, UUID sessionId) {
}
