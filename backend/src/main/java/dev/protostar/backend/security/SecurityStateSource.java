package dev.protostar.backend.security;

import java.util.Optional;
import java.util.UUID;

/**
 * Where the users' security states are kept for good (PostgreSQL, by the
 * account feature); SecurityStates keeps a fast copy of them.
 */
public interface SecurityStateSource {

	/** @return the user's state now, or empty when there is no such user */
	Optional<SecurityState> load(UUID userId);

}
