package dev.protostar.backend.security;

import java.util.UUID;

import dev.protostar.backend.tier.Tier;

/**
 * Who is asking; inject with {@code @AuthenticationPrincipal}.
 *
 * @param id the user
 * @param tier the user's tier now (not the one the access token was issued
 * with): what the request is authorised at
 * @param sessionId the session (refresh-token family) the access token was
 * issued to, or null for a token of the release before sessions were named
 */
public record AuthenticatedUser(UUID id, Tier tier, UUID sessionId) {
}
