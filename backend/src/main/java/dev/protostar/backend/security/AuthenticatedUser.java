package dev.protostar.backend.security;

import java.util.UUID;

import dev.protostar.backend.tier.Tier;

/**
 * Who is asking, as the access token says; inject with
 * {@code @AuthenticationPrincipal}. The tier is the one at the time the token
 * was issued (at most the access-token lifetime ago).
 */
public record AuthenticatedUser(UUID id, Tier tier) {
}
