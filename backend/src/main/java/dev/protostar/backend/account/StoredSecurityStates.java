package dev.protostar.backend.account;

import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Component;

import dev.protostar.backend.security.SecurityState;
import dev.protostar.backend.security.SecurityStateSource;

/** The users' security states as stored in PostgreSQL, for SecurityStates to copy. */
@Component
class StoredSecurityStates implements SecurityStateSource {

	private final UserRepository users;

	StoredSecurityStates(UserRepository users) {
		this.users = users;
	}

	@Override
	public Optional<SecurityState> load(UUID userId) {
		return this.users.securityState(userId);
	}

}
