package dev.protostar.backend.account;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

import dev.protostar.backend.api.ApiException;
import dev.protostar.backend.api.ResultCode;
import dev.protostar.backend.security.AccessRevoked;
import dev.protostar.backend.security.SecurityStates;

/**
 * The one way a change of what a user's tokens may do (the tier, revoked
 * tokens and sessions) leaves this feature: called with the row as the
 * change left it, inside the change's transaction. The new state is written
 * through to the copy every request is checked against, and when the user's
 * access shrank, whatever the user holds open is told to end (after the
 * commit; see AccessRevoked).
 */
@Component
class AccessChanges {

	private final SecurityStates states;

	private final ApplicationEventPublisher events;

	AccessChanges(SecurityStates states, ApplicationEventPublisher events) {
		this.states = states;
		this.events = events;
	}

	/**
	 * @throws ApiException 503 when the copy cannot be written: the change must
	 * not commit, or an instance could keep authorising at the old state
	 */
	void changed(User user) {
		try {
			this.states.save(user.id(), user.securityState());
		}
		catch (DataAccessException ex) {
			throw new ApiException(ResultCode.SERVICE_UNAVAILABLE,
					"accounts cannot be changed right now; try again shortly", 5L);
		}
	}

	/** A change that took access away. @param reason one of the AccessRevoked constants */
	void revoked(User user, String reason) {
		changed(user);
		this.events.publishEvent(new AccessRevoked(user.id(), reason));
	}

}
