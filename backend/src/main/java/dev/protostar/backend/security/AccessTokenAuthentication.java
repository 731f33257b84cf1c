package dev.protostar.backend.security;

import java.util.List;

import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** A request authenticated by a valid access token; its one authority is the tier's role. */
class AccessTokenAuthentication extends AbstractAuthenticationToken {

	private final AuthenticatedUser user;

	AccessTokenAuthentication(AuthenticatedUser user) {
		super(List.of(new SimpleGrantedAuthority(user.tier().role())));
		this.user = user;
		setAuthenticated(true);
	}

	@Override
	public AuthenticatedUser getPrincipal() {
		return this.user;
	}

	@Override
	public Object getCredentials() {
		// Not kept: nothing after this filter needs the token itself.
		return null;
	}

}
